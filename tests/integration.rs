//! The one native integration-test binary (see README: one binary, a module per area).

mod cli;
mod common {
    pub mod golden_parity;
}
mod data;
mod engine;
mod i18n;
mod js_types;
mod lesson;
mod metrics;
mod session;
mod settings;
mod share;
mod support;
mod tidy;
