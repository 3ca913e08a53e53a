//! The plan catalog: one YAML file (`config/plans.yaml`) that lists every plan and its
//! entitlements. The operator and billing both read it; an invalid catalog stops start-up with a
//! message that names the plan and the field that are wrong.

use std::collections::BTreeMap;
use std::path::Path;

use saascript_crds::entitlements::QUANTITY_PATTERN;
use saascript_crds::{Entitlements, Isolation, Quota};
use serde::Deserialize;

/// Why a catalog cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the plan catalog {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the plan catalog is not valid YAML for a catalog: {0}")]
    Parse(#[from] serde_yaml::Error),
    #[error("the plan catalog is invalid: {0}")]
    Invalid(String),
}

/// A plan's namespace quota, as the catalog spells it: every field is required.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct CatalogQuota {
    cpu: String,
    memory: String,
    storage: String,
    pods: i32,
}

/// One plan, as written in the catalog.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The name people see, for example "Pro".
    pub display_name: String,
    /// Whether tenants on this plan share resources (`pooled`) or get their own (`siloed`).
    pub isolation: Isolation,
    quota: CatalogQuota,
    pub max_projects: i32,
    pub max_members: i32,
    pub requests_per_second: i32,
    /// How the plan is paid for; a plan without it is free.
    #[serde(default)]
    billing: Option<CatalogBilling>,
}

/// A plan's billing, as the catalog spells it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CatalogBilling {
    stripe_price_id: Option<String>,
    trial_days: Option<u32>,
    #[serde(default)]
    invoiced_outside_stripe: bool,
}

/// How a plan is paid for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Billing {
    /// Nothing to pay: the plan takes effect at once.
    Free,
    /// A Stripe subscription to this price; the plan takes effect once Stripe confirms it.
    Stripe { price_id: String, trial_days: u32 },
    /// Invoiced by contract, outside Stripe: the plan takes effect at once.
    InvoicedOutsideStripe,
}

impl Plan {
    pub fn billing(&self) -> Billing {
        match &self.billing {
            None => Billing::Free,
            Some(b) if b.invoiced_outside_stripe => Billing::InvoicedOutsideStripe,
            Some(b) => match &b.stripe_price_id {
                Some(price_id) => Billing::Stripe {
                    price_id: price_id.clone(),
                    trial_days: b.trial_days.unwrap_or(0),
                },
                None => Billing::Free,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CatalogFile {
    default_plan: String,
    plans: BTreeMap<String, Plan>,
}

/// A validated plan catalog.
#[derive(Clone, Debug)]
pub struct Catalog {
    default_plan: String,
    plans: BTreeMap<String, Plan>,
}

impl Catalog {
    /// Reads and validates the catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Catalog::from_yaml(&text)
    }

    /// Parses and validates a catalog.
    pub fn from_yaml(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_yaml::from_str(text)?;
        validate(&file).map_err(CatalogError::Invalid)?;
        Ok(Catalog {
            default_plan: file.default_plan,
            plans: file.plans,
        })
    }

    /// The plan that new tenants get when they name none.
    pub fn default_plan(&self) -> &str {
        &self.default_plan
    }

    /// The plan of that name, if the catalog has it.
    pub fn plan(&self, name: &str) -> Option<&Plan> {
        self.plans.get(name)
    }

    /// The plan names, sorted.
    pub fn plan_names(&self) -> impl Iterator<Item = &str> {
        self.plans.keys().map(String::as_str)
    }

    /// The plan whose Stripe price this is: how a subscription in Stripe maps back to a plan.
    pub fn plan_for_stripe_price(&self, price: &str) -> Option<&str> {
        self.plans
            .iter()
            .find_map(|(name, plan)| match plan.billing() {
                Billing::Stripe { price_id, .. } if price_id == price => Some(name.as_str()),
                _ => None,
            })
    }

    /// The entitlements of a plan, or None when the catalog has no such plan.
    pub fn entitlements(&self, name: &str) -> Option<Entitlements> {
        self.plan(name).map(|plan| Entitlements {
            plan: name.to_string(),
            quota: Quota {
                cpu: Some(plan.quota.cpu.clone()),
                memory: Some(plan.quota.memory.clone()),
                storage: Some(plan.quota.storage.clone()),
                pods: Some(plan.quota.pods),
            },
            max_projects: plan.max_projects,
            max_members: plan.max_members,
            requests_per_second: plan.requests_per_second,
            isolation: plan.isolation,
        })
    }
}

fn validate(file: &CatalogFile) -> Result<(), String> {
    if file.plans.is_empty() {
        return Err("`plans` is empty; a catalog needs at least one plan".into());
    }
    if !file.plans.contains_key(&file.default_plan) {
        return Err(format!(
            "`defaultPlan` is {:?}, which is not one of the plans ({})",
            file.default_plan,
            file.plans.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for (name, plan) in &file.plans {
        let at = |field: &str| format!("plans.{name}.{field}");
        if !is_dns_label(name) {
            return Err(format!(
                "plan name {name:?} must be a DNS-1123 label (lowercase letters, digits, '-')"
            ));
        }
        if plan.display_name.trim().is_empty() {
            return Err(format!("{} is empty", at("displayName")));
        }
        for (field, value) in [
            ("quota.cpu", &plan.quota.cpu),
            ("quota.memory", &plan.quota.memory),
            ("quota.storage", &plan.quota.storage),
        ] {
            if !is_quantity(value) {
                return Err(format!(
                    "{} is {value:?}, which is not a Kubernetes quantity (like 2, 500m, 4Gi)",
                    at(field)
                ));
            }
        }
        if let Some(billing) = &plan.billing {
            match (&billing.stripe_price_id, billing.invoiced_outside_stripe) {
                (Some(_), true) => {
                    return Err(format!(
                        "{} has both a Stripe price and invoicedOutsideStripe; choose one",
                        at("billing")
                    ));
                }
                (None, false) => {
                    return Err(format!(
                        "{} needs a stripePriceId or invoicedOutsideStripe: true",
                        at("billing")
                    ));
                }
                (Some(price), false) if !is_price_id(price) => {
                    return Err(format!(
                        "{} is {price:?}, which is not a Stripe price id (price_...)",
                        at("billing.stripePriceId")
                    ));
                }
                _ => {}
            }
            match billing.trial_days {
                Some(days) if billing.stripe_price_id.is_none() => {
                    return Err(format!(
                        "{} is {days}, but only a Stripe plan has a trial",
                        at("billing.trialDays")
                    ));
                }
                Some(days) if days > 365 => {
                    return Err(format!(
                        "{} is {days}; it must be from 0 to 365",
                        at("billing.trialDays")
                    ));
                }
                _ => {}
            }
        }
        for (field, value, min, max) in [
            ("quota.pods", plan.quota.pods, 0, 1000),
            ("maxProjects", plan.max_projects, 0, 1_000_000),
            ("maxMembers", plan.max_members, 1, 1_000_000),
            ("requestsPerSecond", plan.requests_per_second, 1, 1_000_000),
        ] {
            if !(min..=max).contains(&value) {
                return Err(format!(
                    "{} is {value}; it must be from {min} to {max}",
                    at(field)
                ));
            }
        }
    }
    Ok(())
}

fn is_price_id(id: &str) -> bool {
    id.strip_prefix("price_").is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    !name.is_empty()
        && name.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

/// The same rule as `QUANTITY_PATTERN`, without a regex engine: digits with an optional
/// fraction, then an optional binary (Ki..Ei), decimal (n, u, m, k, M..E) or exponent suffix.
fn is_quantity(value: &str) -> bool {
    debug_assert!(QUANTITY_PATTERN.starts_with('^'));
    let number_end = value
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(value.len(), |(i, _)| i);
    let (number, suffix) = value.split_at(number_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        s => {
            let exponent = s
                .strip_prefix(['e', 'E'])
                .map(|e| e.strip_prefix('+').unwrap_or(e));
            exponent.is_some_and(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
        }
    };
    number_ok && suffix_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../config/plans.yaml");

    #[test]
    fn the_shipped_catalog_is_valid() {
        let catalog = Catalog::from_yaml(SHIPPED).unwrap();
        assert_eq!(catalog.default_plan(), "free");
        assert_eq!(
            catalog.plan_names().collect::<Vec<_>>(),
            ["enterprise", "free", "pro", "pro-yearly"]
        );
        let enterprise = catalog.entitlements("enterprise").unwrap();
        assert_eq!(enterprise.isolation, Isolation::Siloed);
        assert_eq!(enterprise.plan, "enterprise");
        assert!(catalog.entitlements("gold").is_none());
        assert_eq!(catalog.plan("free").unwrap().billing(), Billing::Free);
        assert_eq!(
            catalog.plan("pro").unwrap().billing(),
            Billing::Stripe {
                price_id: "price_saascript_pro_monthly".into(),
                trial_days: 14
            }
        );
        assert_eq!(
            catalog.plan("enterprise").unwrap().billing(),
            Billing::InvoicedOutsideStripe
        );
    }

    fn broken(from: &str, to: &str) -> String {
        assert!(SHIPPED.contains(from), "the fixture must contain {from:?}");
        match Catalog::from_yaml(&SHIPPED.replacen(from, to, 1)) {
            Ok(_) => panic!("a catalog with {to:?} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_bad_catalog_says_what_is_wrong() {
        let cases = [
            (
                "memory: 16Gi",
                "memory: 16 GB",
                "plans.pro.quota.memory is \"16 GB\", which is not a Kubernetes quantity",
            ),
            (
                "requestsPerSecond: 50",
                "requestsPerSecond: 0",
                "plans.pro.requestsPerSecond is 0; it must be from 1 to 1000000",
            ),
            (
                "defaultPlan: free",
                "defaultPlan: gratis",
                "`defaultPlan` is \"gratis\", which is not one of the plans",
            ),
            (
                "  pro:",
                "  Pro:",
                "plan name \"Pro\" must be a DNS-1123 label",
            ),
            (
                "maxMembers: 50",
                "maxMembrs: 50",
                "unknown field `maxMembrs`",
            ),
            (
                "isolation: siloed",
                "isolation: private",
                "unknown variant `private`",
            ),
        ];
        for (from, to, expected) in cases {
            let message = broken(from, to);
            assert!(
                message.contains(expected),
                "{to:?}: expected {expected:?} in {message:?}"
            );
        }
    }

    #[test]
    fn quantities_follow_the_kubernetes_rule() {
        for ok in ["2", "500m", "4Gi", "1.5", ".5", "1e3", "10G", "1Ti"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "Gi", "4 Gi", "4GB", "-1", "1..5", "1e", "."] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }
}
