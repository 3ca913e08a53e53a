//! Whom a client address stands for, for rate limits and lockouts. An IPv6 client is normally
//! given a whole /64 and can pick a new address in it for every request, so the /64 is the
//! client; an IPv4 address (also one mapped into IPv6) is one client.

use std::net::IpAddr;

/// The key of the client behind `address`: `198.51.100.7`, or `2001:db8:1:2::/64`.
pub fn client_key(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::client_key;

    fn key(address: &str) -> String {
        client_key(address.parse().unwrap())
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_its_address() {
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:10.0.0.1"), key("10.0.0.1"));
        assert_eq!(key("10.0.0.1"), "10.0.0.1");
        assert_ne!(key("10.0.0.1"), key("10.0.0.2"));
    }
}
