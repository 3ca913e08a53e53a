//! Prometheus metrics: reconciles, failures by error label, a duration histogram, and tenants by
//! phase. Labels are bounded: error variants and phases, never names.

use std::sync::Mutex;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use kube::runtime::reflector::Store;
use saascript_crds::Tenant;

use crate::Error;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    error: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    phase: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    reconciles: Counter,
    failures: Family<ErrorLabels, Counter>,
    duration: Histogram,
    phases: Family<PhaseLabels, Gauge>,
    kube_writes: Counter,
    /// The controller's cache of Tenants; the phase gauge is counted from it at scrape time.
    tenants: Mutex<Option<Store<Tenant>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("saascript_operator");
        let reconciles = Counter::default();
        let failures = Family::<ErrorLabels, Counter>::default();
        let duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        let phases = Family::<PhaseLabels, Gauge>::default();
        let kube_writes = Counter::default();
        registry.register(
            "reconciles",
            "Tenant reconciles started",
            reconciles.clone(),
        );
        registry.register(
            "reconcile_failures",
            "Tenant reconciles that failed, by error",
            failures.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Duration of a Tenant reconcile",
            duration.clone(),
        );
        registry.register("tenants", "Tenants by phase", phases.clone());
        registry.register(
            "kube_write_requests",
            "Requests other than GET sent to the Kubernetes API (steady state: none)",
            kube_writes.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            reconciles,
            failures,
            duration,
            phases,
            kube_writes,
            tenants: Mutex::new(None),
        }
    }

    /// Counts a reconcile and times it until the guard drops.
    pub fn reconcile_started(&self) -> ReconcileTimer<'_> {
        self.reconciles.inc();
        ReconcileTimer {
            metrics: self,
            started: Instant::now(),
        }
    }

    /// Counts one request to the Kubernetes API that is not a GET.
    pub fn kube_write(&self) {
        self.kube_writes.inc();
    }

    pub fn reconcile_failed(&self, error: &Error) {
        self.failures
            .get_or_create(&ErrorLabels {
                error: error.metric_label(),
            })
            .inc();
    }

    /// Replaces the tenants-by-phase gauge with these counts.
    pub fn set_phases<'a>(&self, counts: impl IntoIterator<Item = (&'a str, i64)>) {
        self.phases.clear();
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
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}

pub struct ReconcileTimer<'a> {
    metrics: &'a Metrics,
    started: Instant,
}

impl Drop for ReconcileTimer<'_> {
    fn drop(&mut self) {
        self.metrics
            .duration
            .observe(self.started.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_counts_failures_durations_and_phases() {
        let metrics = Metrics::new();
        drop(metrics.reconcile_started());
        metrics.reconcile_failed(&Error::DeletionBlocked);
        metrics.set_phases([("Ready", 2), ("Provisioning", 1)]);
        let text = metrics.encode();
        assert!(
            text.contains("saascript_operator_reconciles_total 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "saascript_operator_reconcile_failures_total{error=\"deletion_blocked\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("saascript_operator_reconcile_duration_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains("saascript_operator_tenants{phase=\"Ready\"} 2"),
            "{text}"
        );
    }
}
