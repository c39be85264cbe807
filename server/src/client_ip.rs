//! The caller's real IP address. Behind a TLS proxy or load balancer the
//! TCP peer is the proxy, so rate limits keyed on it would put every user in
//! one bucket. `Forwarded` and `X-Forwarded-For` are believed only when the
//! peer is one of `trusted_proxies`; then the right-most address that is not
//! itself a trusted proxy is the client (the left part of those headers is
//! whatever the client chose to send).

use axum::http::HeaderMap;
use std::net::IpAddr;

/// A network: an address and a prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(text: &str) -> Option<Net> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Net { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<Net>);

impl TrustedProxies {
    /// Parses CIDRs and bare addresses; the first entry that is neither is
    /// the error.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries.iter().map(|e| Net::parse(e).ok_or_else(|| e.clone())).collect::<Result<_, _>>().map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(headers);
        // Right to left: each hop was added by the proxy after it; the first
        // hop no trusted proxy vouches for is the client.
        chain.iter().rev().map(|ip| canonical(*ip)).find(|ip| !self.trusts(*ip)).or(chain.first().copied()).unwrap_or(peer)
    }
}

/// The addresses of `Forwarded` (its `for=` parameters), or else of
/// `X-Forwarded-For`, in order. A header with any unreadable hop yields
/// nothing: a client could otherwise hide hops behind garbage.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let joined = |name: &str| {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(forwarded) = joined("forwarded") {
        let hops: Option<Vec<IpAddr>> = forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| parse_node(v.trim().trim_matches('"')))
                })
            })
            .collect();
        return hops.unwrap_or_default();
    }
    match joined("x-forwarded-for") {
        Some(xff) => xff.split(',').map(|h| parse_node(h.trim())).collect::<Option<Vec<_>>>().unwrap_or_default(),
        None => Vec::new(),
    }
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711` or a bare IPv6 address.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    text.rsplit_once(':').and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("parse")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let t = trusted(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")]);
        assert_eq!(t.client_ip(ip("198.51.100.4"), &h), ip("198.51.100.4"));
        assert_eq!(TrustedProxies::default().client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"), "none trusted by default");
    }

    #[test]
    fn a_trusted_peer_forwards_the_right_most_untrusted_address() {
        let t = trusted(&["10.0.0.0/8", "2001:db8::/32"]);
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.1.2.3")]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("203.0.113.9"), "the spoofed left-most hop is ignored");
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("203.0.113.9"), "several headers are one list");
        let h = headers(&[("forwarded", "for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=198.51.100.7:80")]);
        assert_eq!(t.client_ip(ip("::ffff:10.0.0.1"), &h), ip("198.51.100.7"));
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.9.9.9"), "all trusted: the left-most");
        let h = headers(&[("x-forwarded-for", "203.0.113.9, garbage")]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.1"), "an unreadable chain is not believed");
        assert_eq!(t.client_ip(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
    }

    #[test]
    fn networks_match_by_prefix() {
        let t = trusted(&["192.0.2.0/24", "127.0.0.1"]);
        assert!(t.trusts(ip("192.0.2.255")) && !t.trusts(ip("192.0.3.0")));
        assert!(t.trusts(ip("127.0.0.1")) && !t.trusts(ip("127.0.0.2")));
        assert!(trusted(&["0.0.0.0/0"]).trusts(ip("8.8.8.8")));
        assert!(TrustedProxies::parse(&["10.0.0.0/33".to_string()]).is_err());
        assert!(TrustedProxies::parse(&["::/129".to_string()]).is_err());
    }
}
