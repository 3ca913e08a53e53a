//! The metrics API's objects (`metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics), made from
//! the kubelets' summaries. Pure: tested on plain values.

use serde_json::{Value, json};

use crate::summary::{ContainerStats, CpuStats, MemoryStats, NodeStats, Summary};

pub const GROUP_VERSION: &str = "metrics.k8s.io/v1beta1";

/// The window a kubelet's CPU figure averages over, as metrics-server reports it.
const WINDOW: &str = "10s";

/// CPU in nanocores, as a Kubernetes quantity.
pub fn cpu_quantity(nano_cores: u64) -> String {
    format!("{nano_cores}n")
}

/// Memory in bytes, as a Kubernetes quantity (KiB, as metrics-server writes it).
pub fn memory_quantity(bytes: u64) -> String {
    format!("{}Ki", bytes / 1024)
}

fn usage(cpu: Option<&CpuStats>, memory: Option<&MemoryStats>) -> Option<(Value, String)> {
    let cpu = cpu?;
    let nano = cpu.usage_nano_cores?;
    let bytes = memory.and_then(|m| m.working_set_bytes).unwrap_or(0);
    Some((
        json!({ "cpu": cpu_quantity(nano), "memory": memory_quantity(bytes) }),
        cpu.time.clone(),
    ))
}

/// A NodeMetrics, or None while the kubelet has no CPU figure for the node yet.
pub fn node_metrics(node: &NodeStats) -> Option<Value> {
    let (usage, time) = usage(node.cpu.as_ref(), node.memory.as_ref())?;
    Some(json!({
        "kind": "NodeMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": { "name": node.node_name },
        "timestamp": time,
        "window": WINDOW,
        "usage": usage,
    }))
}

/// A pod's metrics, by namespace and name, or None while any of its containers has no CPU
/// figure (an HPA must never average a missing figure in as zero).
pub fn pod_metrics(summary: &Summary, namespace: &str, name: &str) -> Option<Value> {
    let pod = summary
        .pods
        .iter()
        .find(|p| p.pod_ref.namespace == namespace && p.pod_ref.name == name)?;
    if pod.containers.is_empty() {
        return None;
    }
    let mut containers = vec![];
    let mut time = String::new();
    for ContainerStats { name, cpu, memory } in &pod.containers {
        let (usage, at) = usage(cpu.as_ref(), memory.as_ref())?;
        time = at;
        containers.push(json!({ "name": name, "usage": usage }));
    }
    Some(json!({
        "kind": "PodMetrics",
        "apiVersion": GROUP_VERSION,
        "metadata": { "name": name, "namespace": namespace },
        "timestamp": time,
        "window": WINDOW,
        "containers": containers,
    }))
}

/// A list of `kind` (NodeMetricsList, PodMetricsList).
pub fn list(kind: &str, items: Vec<Value>) -> Value {
    json!({
        "kind": kind,
        "apiVersion": GROUP_VERSION,
        "metadata": {},
        "items": items,
    })
}

/// What `/apis/metrics.k8s.io/v1beta1` answers: the two resources.
pub fn resource_list() -> Value {
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            { "name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"] },
            { "name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"] },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        serde_json::from_value(json!({
            "node": { "nodeName": "localhost",
                      "cpu": { "time": "2026-12-07T04:00:00Z", "usageNanoCores": 250000000 },
                      "memory": { "time": "2026-12-07T04:00:00Z", "workingSetBytes": 1048576 } },
            "pods": [
                { "podRef": { "name": "projects-1", "namespace": "saascript-system" },
                  "containers": [
                      { "name": "projects",
                        "cpu": { "time": "2026-12-07T04:00:01Z", "usageNanoCores": 5000000 },
                        "memory": { "time": "2026-12-07T04:00:01Z", "workingSetBytes": 20480 } } ] },
                { "podRef": { "name": "starting", "namespace": "saascript-system" },
                  "containers": [ { "name": "projects" } ] },
            ],
        }))
        .unwrap()
    }

    #[test]
    fn a_pods_usage_is_its_containers_in_quantities() {
        let pod = pod_metrics(&summary(), "saascript-system", "projects-1").unwrap();
        assert_eq!(pod["kind"], "PodMetrics");
        assert_eq!(pod["containers"][0]["usage"]["cpu"], "5000000n");
        assert_eq!(pod["containers"][0]["usage"]["memory"], "20Ki");
        assert_eq!(pod["timestamp"], "2026-12-07T04:00:01Z");
    }

    #[test]
    fn a_pod_without_figures_yet_is_left_out_rather_than_reported_idle() {
        assert_eq!(
            pod_metrics(&summary(), "saascript-system", "starting"),
            None
        );
        assert_eq!(pod_metrics(&summary(), "elsewhere", "projects-1"), None);
    }

    #[test]
    fn the_node_reports_its_own_usage() {
        let node = node_metrics(&summary().node).unwrap();
        assert_eq!(node["metadata"]["name"], "localhost");
        assert_eq!(node["usage"]["cpu"], "250000000n");
        assert_eq!(node["usage"]["memory"], "1024Ki");
    }
}
