//! POST /api/v1/getparams.execute: Argo CD's plugin generator contract, so that an
//! ApplicationSet can make an Application for every Tenant, those created by sign-up included
//! (examples/argocd/). One set of parameters per Tenant not being deleted, as strings.
//!
//! Argo CD calls the service directly (the gateway serves no such path), with the token of its
//! plugin ConfigMap as a bearer token, compared with `ARGOCD_PLUGIN_TOKEN`; without that
//! setting the route is off (404). The product's OpenAPI document leaves it out: it is Argo
//! CD's protocol, not the tenants API.

use std::collections::BTreeMap;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use kube::ResourceExt;
use kube::api::ListParams;
use saascript_common::input::Json;
use saascript_crds::Tenant;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{Result, TenantsError};

/// The label that says where a Tenant came from (`signup`, `gitops`), which an ApplicationSet
/// selects on.
pub const ORIGIN_LABEL: &str = "saascript.io/origin";

/// What Argo CD sends: the ApplicationSet's name and the generator's `input.parameters`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateRequest {
    #[serde(default)]
    pub application_set_name: Option<String>,
    #[serde(default)]
    pub input: Option<GenerateInput>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GenerateInput {
    #[serde(default)]
    pub parameters: Option<GenerateParameters>,
}

/// The generator's own parameters. Unknown ones are refused, so that a misspelt filter does not
/// silently list every Tenant (to an ApplicationSet, more tenants means more Applications).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateParameters {
    /// A Kubernetes label selector: only the Tenants it matches (for example
    /// `saascript.io/origin=signup`).
    #[serde(default)]
    pub label_selector: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GenerateResponse {
    pub output: GenerateOutput,
}

#[derive(Debug, Serialize)]
pub struct GenerateOutput {
    /// One map per Tenant, sorted by name.
    pub parameters: Vec<BTreeMap<&'static str, String>>,
}

pub async fn execute(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<GenerateRequest>,
) -> Result<Json<GenerateResponse>> {
    let Some(expected) = state.settings.argocd_plugin_token.as_ref() else {
        return Err(TenantsError::PluginDisabled);
    };
    if !bearer_matches(&headers, expected.expose()) {
        return Err(TenantsError::PluginToken);
    }
    let selector = request
        .input
        .and_then(|input| input.parameters)
        .and_then(|parameters| parameters.label_selector)
        .filter(|selector| !selector.trim().is_empty());
    let mut params = ListParams::default();
    if let Some(selector) = &selector {
        params = params.labels(selector);
    }
    let listed = state
        .tenants
        .list(&params)
        .await
        .map_err(|error| match &error {
            // The API server refuses a malformed selector; the caller's input, not a fault here.
            kube::Error::Api(status) if status.code == 400 => TenantsError::invalid(
                "input.parameters.labelSelector",
                "label_selector_invalid",
                format!("not a label selector: {}", status.message),
            ),
            _ => TenantsError::from_kube(error),
        })?;
    let mut tenants: Vec<&Tenant> = listed
        .items
        .iter()
        .filter(|t| t.metadata.deletion_timestamp.is_none())
        .collect();
    tenants.sort_by_key(|t| t.name_any());
    Ok(Json(GenerateResponse {
        output: GenerateOutput {
            parameters: tenants.into_iter().map(parameters_of).collect(),
        },
    }))
}

/// The bearer token equals `expected`, compared in constant time over digests (so that neither
/// the content nor the length of the token shows in the timing).
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(presented) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let presented = digest(&SHA256, presented.trim().as_bytes());
    let expected = digest(&SHA256, expected.as_bytes());
    verify_slices_are_equal(presented.as_ref(), expected.as_ref()).is_ok()
}

/// A Tenant as the generator's parameters: what the tenant chart (charts/saascript-tenant)
/// needs to render it again. Argo CD's parameters are strings; a list is comma-separated.
pub fn parameters_of(tenant: &Tenant) -> BTreeMap<&'static str, String> {
    let spec = &tenant.spec;
    let name = tenant.name_any();
    BTreeMap::from([
        (
            "namespace",
            tenant
                .status
                .as_ref()
                .and_then(|s| s.namespace.clone())
                .unwrap_or_else(|| saascript_crds::names::tenant_namespace(&name)),
        ),
        ("name", name),
        ("displayName", spec.display_name.clone()),
        ("owners", spec.owners.join(",")),
        ("plan", spec.plan.clone()),
        ("isolation", as_text(&spec.isolation)),
        ("deletionPolicy", as_text(&spec.deletion_policy)),
        ("preventDeletion", spec.prevent_deletion.to_string()),
        ("suspended", spec.suspended.to_string()),
        (
            "origin",
            tenant
                .labels()
                .get(ORIGIN_LABEL)
                .cloned()
                .unwrap_or_default(),
        ),
    ])
}

/// An enum as the manifest spells it (`siloed`, `Retain`).
fn as_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
