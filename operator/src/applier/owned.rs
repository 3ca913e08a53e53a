//! The objects one reconcile builds for one owner. Each is applied with server-side apply (only
//! on drift) under the owner's labels and, where the owner allows it, a controller
//! ownerReference; whatever carries the owner's labels but was not built in this pass is an
//! orphan (a feature switched off, a template removed) and is deleted.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Resource;
use kube::api::{Api, DeleteParams, ListParams};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::apply::{Applied, apply_if_changed};
use crate::{Error, Result};

pub struct OwnedResources {
    /// Set on every object as its controller reference; `None` for an owner whose objects
    /// must outlive it (see `labelled`).
    owner: Option<OwnerReference>,
    /// Put on every object; `selector` finds them again.
    labels: BTreeMap<String, String>,
    selector: String,
    /// What this pass built: the collection's URL (kind and namespace) and the name.
    built: HashSet<(String, String)>,
}

impl OwnedResources {
    /// Objects that belong to `owner`: the API server's garbage collector deletes them with it,
    /// and `.owns()` maps their changes back to it.
    pub fn owned_by<K>(owner: &K, labels: BTreeMap<String, String>) -> Result<OwnedResources>
    where
        K: Resource<DynamicType = ()>,
    {
        let owner_ref = owner.controller_owner_ref(&()).ok_or(Error::MissingName)?;
        Ok(OwnedResources {
            owner: Some(owner_ref),
            selector: selector_of(&labels),
            labels,
            built: HashSet::new(),
        })
    }

    /// Objects tied to their owner by labels only. A Tenant's namespace and data must survive
    /// its CRD being deleted (a reinstall deletes every Tenant, and an ownerReference would let
    /// the garbage collector delete the namespace with them); its finalizer removes them instead.
    pub fn labelled(labels: BTreeMap<String, String>) -> OwnedResources {
        OwnedResources {
            owner: None,
            selector: selector_of(&labels),
            labels,
            built: HashSet::new(),
        }
    }

    /// Applies `desired` with the owner's labels (and reference) added, and records it as built.
    pub async fn apply<K>(&mut self, api: &Api<K>, mut desired: K) -> Result<Applied<K>>
    where
        K: Resource + Clone + Debug + Serialize + DeserializeOwned,
    {
        let meta = desired.meta_mut();
        let name = meta.name.clone().ok_or(Error::MissingName)?;
        let labels = meta.labels.get_or_insert_with(BTreeMap::new);
        for (key, value) in &self.labels {
            labels.entry(key.clone()).or_insert_with(|| value.clone());
        }
        if let Some(owner) = &self.owner {
            meta.owner_references = Some(vec![owner.clone()]);
        }
        self.built.insert((api.resource_url().to_string(), name));
        apply_if_changed(api, &desired).await
    }

    /// Deletes what `api` lists under the owner's labels that this pass did not build, and
    /// returns their names. With an owner, only objects it controls are touched, whatever
    /// their labels say.
    pub async fn delete_orphans<K>(&self, api: &Api<K>) -> Result<Vec<String>>
    where
        K: Resource + Clone + Debug + DeserializeOwned,
    {
        let listed = api
            .list_metadata(&ListParams::default().labels(&self.selector))
            .await?;
        let url = api.resource_url().to_string();
        let mut deleted = vec![];
        for item in listed.items {
            let Some(name) = item.metadata.name.clone() else {
                continue;
            };
            if self.built.contains(&(url.clone(), name.clone())) || !self.controls(&item.metadata) {
                continue;
            }
            match api.delete(&name, &DeleteParams::background()).await {
                Ok(_) => deleted.push(name),
                Err(kube::Error::Api(status)) if status.code == 404 => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(deleted)
    }

    fn controls(&self, meta: &kube::api::ObjectMeta) -> bool {
        match &self.owner {
            None => true,
            Some(owner) => meta
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.uid == owner.uid),
        }
    }
}

/// `key=value,...`, in the labels' (sorted) order.
fn selector_of(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_names_every_label() {
        let owned = OwnedResources::labelled(BTreeMap::from([
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "1".to_string()),
        ]));
        assert_eq!(owned.selector, "a=1,b=2");
    }
}
