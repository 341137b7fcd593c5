//! The one native integration-test binary (see README: one binary, a module per area).

mod cli;
mod data;
mod engine;
mod metrics;
mod support;
