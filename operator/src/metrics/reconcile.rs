//! The figures every controller reports the same way, told apart by a `controller` label:
//! reconciles started and finished, failures by error, and a duration histogram. Started minus
//! finished is what is in flight.

use std::time::Instant;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::Error;

/// The operator's controllers: the only values of the `controller` label.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum ControllerKind {
    Tenant,
    Subscription,
    ServiceDeployment,
}

impl ControllerKind {
    pub const ALL: [ControllerKind; 3] = [
        ControllerKind::Tenant,
        ControllerKind::Subscription,
        ControllerKind::ServiceDeployment,
    ];

    /// The label value: the kind in lower case, as `kubectl get` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ControllerKind::Tenant => "tenant",
            ControllerKind::Subscription => "subscription",
            ControllerKind::ServiceDeployment => "servicedeployment",
        }
    }
}

impl EncodeLabelValue for ControllerKind {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ControllerLabels {
    controller: ControllerKind,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    controller: ControllerKind,
    error: &'static str,
}

type DurationFamily = Family<ControllerLabels, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

pub struct ReconcileMetrics {
    started: Family<ControllerLabels, Counter>,
    finished: Family<ControllerLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    duration: DurationFamily,
}

impl ReconcileMetrics {
    /// Registers the four families in `registry`, with every controller's series at zero (its
    /// failures by every error too), so that a dashboard sees each controller before its first
    /// reconcile and an alert's rate() has a series before the first failure.
    pub fn register(registry: &mut Registry) -> ReconcileMetrics {
        let metrics = ReconcileMetrics {
            started: Family::default(),
            finished: Family::default(),
            failures: Family::default(),
            duration: Family::new_with_constructor(duration_histogram as fn() -> Histogram),
        };
        registry.register(
            "reconciles",
            "Reconciles started, by controller",
            metrics.started.clone(),
        );
        registry.register(
            "reconciles_completed",
            "Reconciles finished, whether they succeeded, failed or were cancelled, by controller",
            metrics.finished.clone(),
        );
        registry.register(
            "reconcile_failures",
            "Reconciles that failed, by controller and error",
            metrics.failures.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Duration of a reconcile, by controller",
            metrics.duration.clone(),
        );
        for controller in ControllerKind::ALL {
            let labels = ControllerLabels { controller };
            let _ = metrics.started.get_or_create(&labels);
            let _ = metrics.finished.get_or_create(&labels);
            for error in Error::METRIC_LABELS {
                let _ = metrics
                    .failures
                    .get_or_create(&FailureLabels { controller, error });
            }
        }
        metrics
    }

    /// Counts a reconcile, and times it and counts its end when the guard drops.
    pub fn started(&self, controller: ControllerKind) -> ReconcileTimer<'_> {
        let labels = ControllerLabels { controller };
        self.started.get_or_create(&labels).inc();
        ReconcileTimer {
            metrics: self,
            labels,
            started: Instant::now(),
        }
    }

    pub fn failed(&self, controller: ControllerKind, error: &Error) {
        self.failures
            .get_or_create(&FailureLabels {
                controller,
                error: error.metric_label(),
            })
            .inc();
    }
}

/// A reconcile counted as started: it counts as finished, and its duration is observed, when
/// this drops, whatever way it ends (success, failure, or a cancelled future).
#[must_use = "the reconcile is timed, and counts as finished, when this drops"]
pub struct ReconcileTimer<'a> {
    metrics: &'a ReconcileMetrics,
    labels: ControllerLabels,
    started: Instant,
}

impl Drop for ReconcileTimer<'_> {
    fn drop(&mut self) {
        self.metrics
            .duration
            .get_or_create(&self.labels)
            .observe(self.started.elapsed().as_secs_f64());
        self.metrics.finished.get_or_create(&self.labels).inc();
    }
}
