//! Who the client is, behind a reverse proxy.
//!
//! The peer of a connection is the client, unless it is one of the trusted proxies named in
//! `ENCORE_TRUSTED_PROXIES` (comma-separated addresses or CIDR networks, e.g.
//! `127.0.0.1,10.0.0.0/8,::1`). Only then is the client address read from the proxy's
//! headers: `Forwarded` (RFC 7239) if present, else `X-Forwarded-For`. Those lists are
//! appended to by each proxy, so only their right end is written by proxies we trust; the
//! client is the right-most hop that is not itself a trusted proxy. Everything left of it
//! was written by the client and is ignored. From any other peer the headers are ignored
//! entirely: anyone can send them.
//!
//! Unset, no proxy is trusted and the peer address is the client.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use axum::http::header::FORWARDED;
use ipnet::IpNet;

/// The networks whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads `ENCORE_TRUSTED_PROXIES`: addresses (`10.0.0.1`, `::1`) or networks
    /// (`10.0.0.0/8`), separated by commas. Empty trusts nobody.
    ///
    /// # Errors
    /// A message naming the entry that is neither.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let network = match entry.parse::<IpNet>() {
                Ok(network) => network.trunc(),
                Err(_) => entry.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                    format!(
                        "ENCORE_TRUSTED_PROXIES: \"{entry}\" is not an IP address or a \
                         network like 10.0.0.0/8"
                    )
                })?,
            };
            networks.push(network);
        }
        Ok(TrustedProxies(networks))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = unmap(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the
    /// right-most hop of its forwarding header that is not a trusted proxy. A hop that is
    /// not an address (`unknown`, an obfuscated name) ends the search at the proxy that
    /// wrote it: the client cannot be told apart, so the proxy stands for it.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(address) if self.trusts(*address) => client = *address,
                Some(address) => return *address,
                None => return client,
            }
        }
        client
    }
}

/// An IPv4 address that arrives IPv4-mapped is that IPv4 address.
fn unmap(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// The hops a proxy chain reports, left (first) to right (last); `None` for a hop that is
/// not an address. `Forwarded` wins when both headers are present (it is the standard one;
/// a proxy that writes it means it).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all(FORWARDED)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|value| value.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_hop(value.trim().trim_matches('"')))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().ok())
        .flat_map(|value| match value {
            Some(text) => text.split(',').map(parse_hop).collect::<Vec<_>>(),
            // A header that is not text is a hop we cannot read.
            None => vec![None],
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(address) = text.parse::<IpAddr>() {
        return Some(unmap(address));
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(unmap(socket.ip()));
    }
    // `[2001:db8::1]` without a port (RFC 7239 quotes IPv6 in brackets).
    text.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<IpAddr>().ok())
        .map(unmap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn settings_are_read_or_refused_with_the_entry() {
        let proxies = TrustedProxies::parse(" 127.0.0.1, 10.1.2.3/8 ,::1,").unwrap();
        assert_eq!(proxies.0.len(), 3);
        assert!(
            proxies.trusts(ip("10.200.0.1")),
            "the network, not the host"
        );
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert!(!proxies.trusts(ip("11.0.0.1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in ["localhost", "10.0.0.0/33", "1.2.3", "10.0.0.1:80"] {
            let error = TrustedProxies::parse(&format!("127.0.0.1,{bad}")).unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let spoofed = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=198.51.100.8"),
        ]);
        assert_eq!(
            proxies.client_address(ip("203.0.113.5"), &spoofed),
            ip("203.0.113.5")
        );
        assert_eq!(
            TrustedProxies::default().client_address(ip("10.0.0.1"), &spoofed),
            ip("10.0.0.1"),
            "nobody is trusted by default"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.1");
        // The client wrote the first entry itself; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(proxies.client_address(peer, &chain), ip("203.0.113.9"));
        let split = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "[2001:db8::5]:443"),
        ]);
        assert_eq!(proxies.client_address(peer, &split), ip("2001:db8::5"));
        let standard = headers(&[
            ("x-forwarded-for", "9.9.9.9"),
            (
                "forwarded",
                "for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.0.0.3",
            ),
        ]);
        assert_eq!(
            proxies.client_address(peer, &standard),
            ip("2001:db8:cafe::17")
        );
        let unknown = headers(&[("forwarded", "for=1.1.1.1, for=unknown, for=10.0.0.3")]);
        assert_eq!(proxies.client_address(peer, &unknown), ip("10.0.0.3"));
        assert_eq!(proxies.client_address(peer, &HeaderMap::new()), peer);
        let all_trusted = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(proxies.client_address(peer, &all_trusted), ip("10.9.9.9"));
    }
}
