//! Prometheus metrics: every controller's reconciles, failures and durations (`reconcile.rs`,
//! labelled by controller), write requests to the API server, tenants by phase, and
//! subscriptions by payment standing (the reason of PaymentOK) with the tenants suspended for
//! payment. Labels are bounded: controllers, error variants, phases and condition reasons, never
//! names.

pub mod reconcile;

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use kube::runtime::reflector::Store;
use saascript_crds::{Subscription, Tenant, TenantPhase, find_condition};

pub use self::reconcile::{ControllerKind, ReconcileMetrics, ReconcileTimer};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    phase: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PaymentLabels {
    reason: String,
}

/// The condition whose reason says how a subscription's payment stands.
const PAYMENT_OK: &str = crate::subscription::payment::PAYMENT_OK;

pub struct Metrics {
    registry: Mutex<Registry>,
    /// Reconciles of every controller, by controller.
    pub reconciles: ReconcileMetrics,
    phases: Family<PhaseLabels, Gauge>,
    kube_writes: Counter,
    /// The controller's cache of Tenants; the phase gauge is counted from it at scrape time.
    tenants: Mutex<Option<Store<Tenant>>>,
    payments: Family<PaymentLabels, Gauge>,
    suspended_for_payment: Gauge,
    /// The Subscription controller's cache; the payment gauges are counted from it at scrape time.
    subscriptions: Mutex<Option<Store<Subscription>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The payment reason of a subscription without a PaymentOK condition yet.
const NOT_EVALUATED: &str = "NotEvaluated";

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("saascript_operator");
        let reconciles = ReconcileMetrics::register(&mut registry);
        let phases = Family::<PhaseLabels, Gauge>::default();
        let kube_writes = Counter::default();
        registry.register("tenants", "Tenants by phase", phases.clone());
        registry.register(
            "kube_write_requests",
            "Requests other than GET sent to the Kubernetes API (steady state: none)",
            kube_writes.clone(),
        );
        let payments = Family::<PaymentLabels, Gauge>::default();
        let suspended_for_payment = Gauge::default();
        registry.register(
            "subscriptions",
            "Subscriptions by the reason of their PaymentOK condition (Active, PastDue, ...)",
            payments.clone(),
        );
        registry.register(
            "tenants_suspended_for_payment",
            "Tenants suspended because their payment lapsed past the grace period",
            suspended_for_payment.clone(),
        );
        let metrics = Metrics {
            registry: Mutex::new(registry),
            reconciles,
            phases,
            kube_writes,
            tenants: Mutex::new(None),
            payments,
            suspended_for_payment,
            subscriptions: Mutex::new(None),
        };
        metrics.set_phases([]);
        metrics.set_payments([], 0);
        metrics
    }

    /// Counts subscriptions by payment standing from this store whenever the metrics are scraped.
    pub fn count_payments_from(&self, store: Store<Subscription>) {
        if let Ok(mut subscriptions) = self.subscriptions.lock() {
            *subscriptions = Some(store);
        }
    }

    /// Replaces the payment gauges: subscriptions by PaymentOK reason, and the suspended ones.
    pub fn set_payments<'a>(
        &self,
        counts: impl IntoIterator<Item = (&'a str, i64)>,
        suspended: i64,
    ) {
        self.payments.clear();
        // The family always has a series (an alert on it needs one): the subscriptions not yet
        // evaluated, zero unless counted below.
        self.payments
            .get_or_create(&PaymentLabels {
                reason: NOT_EVALUATED.to_string(),
            })
            .set(0);
        for (reason, count) in counts {
            self.payments
                .get_or_create(&PaymentLabels {
                    reason: reason.to_string(),
                })
                .set(count);
        }
        self.suspended_for_payment.set(suspended);
    }

    /// Counts one request to the Kubernetes API that is not a GET.
    pub fn kube_write(&self) {
        self.kube_writes.inc();
    }

    /// Replaces the tenants-by-phase gauge with these counts; every phase has a series, at
    /// zero when no tenant is in it (an alert on a phase needs the series to exist).
    pub fn set_phases<'a>(&self, counts: impl IntoIterator<Item = (&'a str, i64)>) {
        self.phases.clear();
        for phase in TenantPhase::ALL {
            self.phases
                .get_or_create(&PhaseLabels {
                    phase: format!("{phase:?}"),
                })
                .set(0);
        }
        for (phase, count) in counts {
            self.phases
                .get_or_create(&PhaseLabels {
                    phase: phase.to_string(),
                })
                .set(count);
        }
    }

    /// Counts tenants by phase from this store whenever the metrics are scraped.
    pub fn count_phases_from(&self, store: Store<Tenant>) {
        if let Ok(mut tenants) = self.tenants.lock() {
            *tenants = Some(store);
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let store = self.tenants.lock().ok().and_then(|t| t.clone());
        if let Some(store) = store {
            let mut counts = std::collections::BTreeMap::<String, i64>::new();
            for tenant in store.state() {
                let phase = tenant.status.as_ref().and_then(|s| s.phase);
                let phase = phase.map_or_else(|| "Pending".to_string(), |p| format!("{p:?}"));
                *counts.entry(phase).or_default() += 1;
            }
            self.set_phases(counts.iter().map(|(k, v)| (k.as_str(), *v)));
        }
        let store = self.subscriptions.lock().ok().and_then(|s| s.clone());
        if let Some(store) = store {
            let mut counts = std::collections::BTreeMap::<String, i64>::new();
            let mut suspended = 0;
            for subscription in store.state() {
                let status = subscription.status.as_ref();
                let reason = status
                    .and_then(|s| find_condition(&s.conditions, PAYMENT_OK))
                    .map_or(NOT_EVALUATED, |c| c.reason.as_str());
                *counts.entry(reason.to_string()).or_default() += 1;
                suspended += i64::from(status.is_some_and(|s| s.suspended));
            }
            self.set_payments(counts.iter().map(|(k, v)| (k.as_str(), *v)), suspended);
        }
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_counts_failures_durations_and_phases_by_controller() {
        let metrics = Metrics::new();
        drop(metrics.reconciles.started(ControllerKind::Tenant));
        metrics
            .reconciles
            .failed(ControllerKind::Tenant, &crate::Error::DeletionBlocked);
        metrics.set_phases([("Ready", 2), ("Provisioning", 1)]);
        let text = metrics.encode();
        for line in [
            "saascript_operator_reconciles_total{controller=\"tenant\"} 1",
            "saascript_operator_reconciles_total{controller=\"servicedeployment\"} 0",
            "saascript_operator_reconcile_failures_total{controller=\"tenant\",error=\"deletion_blocked\"} 1",
            "saascript_operator_reconcile_duration_seconds_count{controller=\"tenant\"} 1",
            "saascript_operator_tenants{phase=\"Ready\"} 2",
            "saascript_operator_tenants{phase=\"Failed\"} 0",
            "saascript_operator_subscriptions{reason=\"NotEvaluated\"} 0",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn a_reconcile_counts_as_finished_only_once_its_guard_drops() {
        let metrics = Metrics::new();
        let running = metrics.reconciles.started(ControllerKind::Subscription);
        let text = metrics.encode();
        assert!(
            text.contains("saascript_operator_reconciles_total{controller=\"subscription\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "saascript_operator_reconciles_completed_total{controller=\"subscription\"} 0"
            ),
            "{text}"
        );
        drop(running);
        let text = metrics.encode();
        assert!(
            text.contains(
                "saascript_operator_reconciles_completed_total{controller=\"subscription\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("saascript_operator_reconciles_total{controller=\"tenant\"} 0"),
            "a Subscription reconcile counted as a Tenant one:\n{text}"
        );
    }

    #[test]
    fn payment_standing_is_counted() {
        let metrics = Metrics::new();
        metrics.set_payments([("Active", 3), ("PastDue", 1)], 1);
        let text = metrics.encode();
        for line in [
            "saascript_operator_subscriptions{reason=\"PastDue\"} 1",
            "saascript_operator_subscriptions{reason=\"Active\"} 3",
            "saascript_operator_tenants_suspended_for_payment 1",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }
}
