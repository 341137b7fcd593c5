//! Serving a class from one laptop (`cargo xtask serve --lan`): which of this machine's
//! addresses students on the same network can reach, and the page's URL as a QR code in the
//! terminal. The addresses are read from the machine's own configuration (`hostname -I`, else
//! `ip`), so finding them sends nothing on the network.

use std::net::Ipv4Addr;
use std::process::Command;

use qrcodegen::{QrCode, QrCodeEcc};

/// All interfaces, on the page's usual port.
pub const ALL_INTERFACES: &str = "0.0.0.0:8080";

/// The machine's private IPv4 addresses (10/8, 172.16/12, 192.168/16), the ones a school or
/// home network hands out; without one, its other routable IPv4 addresses.
pub fn addresses() -> Vec<Ipv4Addr> {
    let output = |program: &str, args: &[&str]| {
        Command::new(program).args(args).output().ok().filter(|o| o.status.success()).map(|o| o.stdout)
    };
    let listed = output("hostname", &["-I"]).or_else(|| output("ip", &["-o", "-4", "addr", "show"]));
    let text = listed.map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
    let private = private_addresses(&text);
    if private.is_empty() {
        other_addresses(&text)
    } else {
        private
    }
}

/// Every private IPv4 address in `text`, in order, each once.
pub fn private_addresses(text: &str) -> Vec<Ipv4Addr> {
    listed_addresses(text, Ipv4Addr::is_private)
}

/// The other IPv4 addresses in `text` that a network could route to this machine (neither
/// loopback, link-local, broadcast nor unspecified): the fallback when there is no private one.
pub fn other_addresses(text: &str) -> Vec<Ipv4Addr> {
    listed_addresses(text, |ip| {
        !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_broadcast() || ip.is_unspecified())
    })
}

/// The IPv4 addresses `hostname -I` or `ip` lists in `text` for which `keep` holds, in order,
/// each once: `ip`'s `192.168.1.5/24` too, not the broadcast address after its `brd`.
fn listed_addresses(text: &str, keep: impl Fn(&Ipv4Addr) -> bool) -> Vec<Ipv4Addr> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found: Vec<Ipv4Addr> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 && words[i - 1] == "brd" {
            continue;
        }
        let Ok(ip) = word.split('/').next().unwrap_or(word).parse::<Ipv4Addr>() else { continue };
        if keep(&ip) && !found.contains(&ip) {
            found.push(ip);
        }
    }
    found
}

/// `text` as a QR code (medium error correction) drawn with half blocks: each line of the
/// terminal holds two rows of modules, light ones in white on black, with the quiet zone of
/// four modules the standard asks for, so a phone reads it on a dark or a light terminal.
pub fn qr_code(text: &str) -> Result<String, String> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|e| format!("no QR code for {text}: {e:?}"))?;
    let size = code.size();
    let modules: Vec<Vec<bool>> = (0..size).map(|y| (0..size).map(|x| code.get_module(x, y)).collect()).collect();
    Ok(draw(&modules))
}

const QUIET: usize = 4;

/// Draws dark (`true`) and light modules, two rows a line, inside the quiet zone.
pub fn draw(modules: &[Vec<bool>]) -> String {
    let size = modules.len();
    let dark = |x: usize, y: usize| {
        let inside = |v: usize| (QUIET..QUIET + size).contains(&v);
        inside(x) && inside(y) && modules[y - QUIET][x - QUIET]
    };
    let width = size + 2 * QUIET;
    let mut out = String::new();
    for top in (0..width).step_by(2) {
        out.push_str("\x1b[97;40m");
        for x in 0..width {
            let bottom_dark = top + 1 >= width || dark(x, top + 1);
            out.push(match (dark(x, top), bottom_dark) {
                (false, false) => '█',
                (false, true) => '▀',
                (true, false) => '▄',
                (true, true) => ' ',
            });
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_read_from_hostname_and_ip_output() {
        let hostname = "192.168.1.23 10.0.0.7 172.17.0.1 fe80::1 2001:db8::5 \n";
        let ip =
            "2: eth0    inet 192.168.1.23/24 brd 192.168.1.255 scope global eth0\n1: lo inet 127.0.0.1/8 scope host lo";
        let expected: Vec<Ipv4Addr> = vec![[192, 168, 1, 23].into(), [10, 0, 0, 7].into(), [172, 17, 0, 1].into()];
        assert_eq!(private_addresses(hostname), expected);
        assert_eq!(private_addresses(ip), vec![Ipv4Addr::new(192, 168, 1, 23)], "no loopback, no broadcast");
        assert!(private_addresses("8.8.8.8 169.254.3.4 127.0.0.1").is_empty());
        let others = other_addresses("192.0.2.2 169.254.3.4 127.0.0.1 10.0.0.7 fd00::2");
        assert_eq!(others, vec![Ipv4Addr::new(192, 0, 2, 2)]);
    }

    #[test]
    #[ignore = "prints a QR code to look at: cargo test -p xtask -- --ignored --nocapture"]
    fn print_a_code() {
        print!("{}", qr_code("http://192.168.1.23:8080/").expect("a code"));
    }

    #[test]
    fn modules_are_drawn_two_rows_a_line_inside_the_quiet_zone() {
        // One dark module, then a 2×2 with the top-left one dark.
        let one = draw(&[vec![true]]);
        let lines: Vec<Vec<char>> = one
            .lines()
            .map(|l| l.trim_start_matches("\x1b[97;40m").trim_end_matches("\x1b[0m").chars().collect())
            .collect();
        assert_eq!(lines.len(), 5, "9 rows, two a line: {one}");
        assert!(lines.iter().all(|l| l.len() == 9));
        assert_eq!(lines[2][4], '▄', "row 4 (dark) is the top half of line 2: {one}");
        assert_eq!(lines[0][0], '█');
        let url = qr_code("http://192.168.1.23:8080/").expect("a code");
        let size = url.lines().next().map_or(0, |l| l.chars().count()) - "\x1b[97;40m\x1b[0m".chars().count();
        assert_eq!(size, 25 + 2 * QUIET, "a 25-module version 2 code for a URL this long");
    }
}
