//! Server-side apply that writes only on drift: the object is read first, and applied only when
//! a field the operator sets differs. A steady-state reconcile therefore sends no write request.

use std::fmt::Debug;

use kube::Resource;
use kube::api::{Api, Patch, PatchParams};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::labels::FIELD_MANAGER;
use crate::{Error, Result};

/// The object as the API server holds it after an apply, and whether a write was made.
#[derive(Debug)]
pub struct Applied<K> {
    pub object: K,
    pub written: bool,
}

/// Applies `desired` unless the live object already has every field it sets. The object comes
/// back as the server holds it (with its status and server-set fields), so a caller reads it
/// without another request.
pub async fn apply_if_changed<K>(api: &Api<K>, desired: &K) -> Result<Applied<K>>
where
    K: Resource + Clone + Debug + Serialize + DeserializeOwned,
{
    let name = desired.meta().name.clone().ok_or(Error::MissingName)?;
    if let Some(live) = api.get_opt(&name).await?
        && contains(
            &serde_json::to_value(&live)?,
            &serde_json::to_value(desired)?,
        )
    {
        return Ok(Applied {
            object: live,
            written: false,
        });
    }
    let object = api
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(desired),
        )
        .await?;
    Ok(Applied {
        object,
        written: true,
    })
}

/// True when every field set in `wanted` has the same value in `live`. Fields that the server
/// or others added to `live` do not count; lists must match item by item.
pub fn contains(live: &serde_json::Value, wanted: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (live, wanted) {
        (Value::Object(live), Value::Object(wanted)) => wanted.iter().all(|(key, value)| {
            value.is_null() || live.get(key).is_some_and(|l| contains(l, value))
        }),
        (Value::Array(live), Value::Array(wanted)) => {
            live.len() == wanted.len() && live.iter().zip(wanted).all(|(l, w)| contains(l, w))
        }
        (live, wanted) => live == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::contains;
    use serde_json::json;

    #[test]
    fn fields_added_by_the_server_are_not_drift() {
        let live = json!({ "metadata": { "name": "a", "uid": "x", "labels": { "k": "v" } }, "spec": { "hard": { "pods": "5" } } });
        assert!(contains(
            &live,
            &json!({ "metadata": { "name": "a", "labels": { "k": "v" } }, "spec": { "hard": { "pods": "5" } } })
        ));
    }

    #[test]
    fn a_changed_or_missing_field_is_drift() {
        let live = json!({ "spec": { "hard": { "pods": "5" } }, "list": [1, 2] });
        assert!(!contains(
            &live,
            &json!({ "spec": { "hard": { "pods": "6" } } })
        ));
        assert!(!contains(
            &live,
            &json!({ "spec": { "hard": { "cpu": "1" } } })
        ));
        assert!(
            !contains(&live, &json!({ "list": [1] })),
            "lists must match in length"
        );
    }
}
