//! The upstream table: which base URL serves each service, keyed by the ServiceName of the CRDs
//! and set with `--upstream name=url` (repeated, or GATEWAY_UPSTREAMS comma-separated). Adding a
//! service to the gateway is one flag; a service without an entry answers 503.

use std::collections::HashMap;
use std::str::FromStr;

use saascript_crds::service_deployment::ServiceName;

/// One `name=url` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamFlag {
    pub service: ServiceName,
    pub base: String,
}

impl FromStr for UpstreamFlag {
    type Err = String;

    fn from_str(flag: &str) -> Result<UpstreamFlag, String> {
        let (name, base) = flag.split_once('=').ok_or_else(|| {
            format!("{flag:?}: expected name=url, for example auth=http://auth:8080")
        })?;
        let service: ServiceName = name.trim().parse()?;
        if service == ServiceName::Gateway {
            return Err("the gateway is not its own upstream".into());
        }
        let base = base.trim();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "{name}={base}: the URL must start with http:// or https://"
            ));
        }
        Ok(UpstreamFlag {
            service,
            base: base.trim_end_matches('/').to_string(),
        })
    }
}

/// The table the flags make; a later flag for the same service wins.
pub fn table(flags: &[UpstreamFlag]) -> HashMap<ServiceName, String> {
    flags
        .iter()
        .map(|flag| (flag.service, flag.base.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_a_service_and_its_url() {
        let flag: UpstreamFlag = "projects=http://127.0.0.1:8084/".parse().unwrap();
        assert_eq!(flag.service, ServiceName::Projects);
        assert_eq!(flag.base, "http://127.0.0.1:8084");
        let table = table(&[
            "auth=http://a".parse().unwrap(),
            "auth=http://b".parse().unwrap(),
        ]);
        assert_eq!(table[&ServiceName::Auth], "http://b");
    }

    #[test]
    fn unknown_services_and_bad_urls_are_refused() {
        assert!("nope=http://x".parse::<UpstreamFlag>().is_err());
        assert!("gateway=http://x".parse::<UpstreamFlag>().is_err());
        assert!("auth=ftp://x".parse::<UpstreamFlag>().is_err());
        assert!("auth".parse::<UpstreamFlag>().is_err());
    }
}
