//! `TenantPlan`: a validated Tenant, resolved against the catalog, and the name of every
//! resource it owns in every system. Names are derived here and nowhere else.

use saascript_crds::{Entitlements, Isolation};

/// The resources that pooled tenants share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedNames {
    /// The PostgreSQL database of pooled tenants, with the tenant registry.
    pub database: String,
    /// The RabbitMQ vhost of pooled tenants.
    pub vhost: String,
    /// The topic exchange in that vhost; pooled tenants route with `tenant.<name>.*`.
    pub exchange: String,
    /// The Kafka topics of pooled tenants, one per tenant topic suffix: `saascript.<suffix>`.
    pub topic_prefix: String,
    /// The DynamoDB table of pooled tenants; their partition keys start with `TENANT#<name>`.
    pub table: String,
}

impl Default for SharedNames {
    fn default() -> Self {
        SharedNames {
            database: "saascript_pooled".into(),
            vhost: "saascript".into(),
            exchange: "saascript.tenants".into(),
            topic_prefix: "saascript".into(),
            table: "saascript-profiles".into(),
        }
    }
}

/// Everything the operator needs to know to provision one tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantPlan {
    /// The Tenant's name (a DNS-1123 label, at most 40 characters).
    pub tenant: String,
    pub isolation: Isolation,
    pub owners: Vec<String>,
    /// The plan the Tenant declares (`spec.plan`); the Subscription follows it.
    pub declared_plan: String,
    /// The Tenant's own labels, carried onto its Subscription (so that a label selector picks
    /// both).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The entitlements in force (those of the plan that billing confirmed, or that takes
    /// effect at once), with the Tenant's quota overrides applied.
    pub entitlements: Entitlements,
    /// The Kafka topic suffixes every tenant gets (`events`, ...).
    pub topic_suffixes: Vec<String>,
    pub shared: SharedNames,
    /// Suspended by `spec.suspended` or for a lapsed payment. The gateway refusing the tenant is
    /// not enough: every system that gives the tenant credentials turns them off while this
    /// holds, and back on (with the same passwords) once it no longer does.
    pub suspended: bool,
}

impl TenantPlan {
    /// `tenant-<name>`.
    pub fn namespace(&self) -> String {
        saascript_crds::names::tenant_namespace(&self.tenant)
    }

    /// The PostgreSQL role: `tenant_<name>`, with `-` turned into `_`. Tenant names contain no
    /// `_`, so two tenants never map to one role.
    pub fn pg_role(&self) -> String {
        format!("tenant_{}", self.tenant.replace('-', "_"))
    }

    /// The database the tenant connects to: its own when siloed, the shared one when pooled.
    pub fn pg_database(&self) -> String {
        match self.isolation {
            Isolation::Siloed => self.pg_role(),
            Isolation::Pooled => self.shared.database.clone(),
        }
    }

    /// The RabbitMQ user: `tenant-<name>`.
    pub fn rabbitmq_user(&self) -> String {
        format!("tenant-{}", self.tenant)
    }

    /// The vhost the tenant uses: its own when siloed, the shared one when pooled.
    pub fn rabbitmq_vhost(&self) -> String {
        match self.isolation {
            Isolation::Siloed => format!("tenant-{}", self.tenant),
            Isolation::Pooled => self.shared.vhost.clone(),
        }
    }

    /// The routing-key prefix of the tenant's messages: `tenant.<name>.`.
    pub fn routing_prefix(&self) -> String {
        format!("tenant.{}.", self.tenant)
    }

    /// The pooled tenant's task queue on the shared vhost.
    pub fn pooled_queue(&self) -> String {
        format!("tenant.{}.tasks", self.tenant)
    }

    /// The topics the tenant uses: `tenant.<name>.<suffix>` when siloed, the shared
    /// `saascript.<suffix>` (keyed by tenant) when pooled.
    pub fn kafka_topics(&self) -> Vec<String> {
        self.topic_suffixes
            .iter()
            .map(|suffix| match self.isolation {
                Isolation::Siloed => format!("tenant.{}.{suffix}", self.tenant),
                Isolation::Pooled => format!("{}.{suffix}", self.shared.topic_prefix),
            })
            .collect()
    }

    /// The table the tenant uses: `saascript-profiles-<name>` when siloed, the shared one when
    /// pooled.
    pub fn dynamodb_table(&self) -> String {
        match self.isolation {
            Isolation::Siloed => format!("{}-{}", self.shared.table, self.tenant),
            Isolation::Pooled => self.shared.table.clone(),
        }
    }

    /// The partition-key prefix of the tenant's items: `TENANT#<name>`.
    pub fn partition_prefix(&self) -> String {
        format!("TENANT#{}", self.tenant)
    }

    /// The Redis ACL user: `tenant-<name>`.
    pub fn redis_user(&self) -> String {
        format!("tenant-{}", self.tenant)
    }

    /// The prefix of the tenant's Redis keys: `t:<name>:`.
    pub fn redis_key_prefix(&self) -> String {
        format!("t:{}:", self.tenant)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use saascript_crds::Quota;

    pub(crate) fn plan(tenant: &str, isolation: Isolation) -> TenantPlan {
        TenantPlan {
            tenant: tenant.into(),
            isolation,
            owners: vec!["ops@acme.example".into()],
            declared_plan: "pro".into(),
            labels: Default::default(),
            entitlements: Entitlements {
                plan: "pro".into(),
                quota: Quota {
                    cpu: Some("8".into()),
                    memory: Some("16Gi".into()),
                    storage: Some("50Gi".into()),
                    pods: Some(50),
                },
                max_projects: 100,
                max_members: 50,
                requests_per_second: 50,
                isolation,
            },
            topic_suffixes: vec!["events".into(), "audit".into()],
            shared: SharedNames::default(),
            suspended: false,
        }
    }

    #[test]
    fn siloed_names_are_the_tenants_own() {
        let p = plan("acme-corp", Isolation::Siloed);
        assert_eq!(p.namespace(), "tenant-acme-corp");
        assert_eq!(p.pg_role(), "tenant_acme_corp");
        assert_eq!(p.pg_database(), "tenant_acme_corp");
        assert_eq!(p.rabbitmq_vhost(), "tenant-acme-corp");
        assert_eq!(
            p.kafka_topics(),
            ["tenant.acme-corp.events", "tenant.acme-corp.audit"]
        );
        assert_eq!(p.dynamodb_table(), "saascript-profiles-acme-corp");
        assert_eq!(p.redis_key_prefix(), "t:acme-corp:");
    }

    #[test]
    fn pooled_names_are_shared_but_keyed_by_tenant() {
        let p = plan("acme", Isolation::Pooled);
        assert_eq!(p.pg_database(), "saascript_pooled");
        assert_eq!(p.pg_role(), "tenant_acme");
        assert_eq!(p.rabbitmq_vhost(), "saascript");
        assert_eq!(p.routing_prefix(), "tenant.acme.");
        assert_eq!(p.kafka_topics(), ["saascript.events", "saascript.audit"]);
        assert_eq!(p.dynamodb_table(), "saascript-profiles");
        assert_eq!(p.partition_prefix(), "TENANT#acme");
    }
}
