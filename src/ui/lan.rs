//! Whether the page is served from a computer on the local network (`cargo xtask serve --lan`):
//! then the links made here open for everyone on that network, and the page says so. Pure
//! logic, compiled and tested natively too.

use std::net::Ipv4Addr;

/// `host` (the page address's host) is a private IPv4 address (10/8, 172.16/12, 192.168/16) or
/// a `.local` name: a machine on this network, not this one alone nor the internet.
pub fn on_local_network(host: &str) -> bool {
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_private()) || host.to_ascii_lowercase().ends_with(".local")
}
