//! RabbitMQ, through the management HTTP API. A siloed tenant gets vhost `tenant-<name>`, a user
//! and full permissions on that vhost only. A pooled tenant gets a user on the shared vhost that
//! may publish to the shared topic exchange only with routing keys `tenant.<name>.*`, and read only
//! its own queue, which is bound with that pattern. While the tenant is suspended the user keeps
//! its password but has no permissions, and its connections are closed.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use saascript_crds::{DeletionPolicy, Isolation};
use serde_json::json;

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

const TIMEOUT: Duration = Duration::from_secs(5);

pub struct RabbitMqProvisioner {
    http: reqwest::Client,
    /// The management API's base URL, without credentials.
    base: reqwest::Url,
    user: String,
    password: String,
}

impl RabbitMqProvisioner {
    /// `management_url` carries the admin credentials, as in `http://guest:guest@127.0.0.1:15672`.
    pub fn new(management_url: &str) -> ProvisionResult<RabbitMqProvisioner> {
        let mut base = reqwest::Url::parse(management_url).map_err(|e| {
            ProvisionError::failed(System::RabbitMq, format!("bad management URL: {e}"))
        })?;
        let user = percent_decode(base.username());
        let password = percent_decode(base.password().unwrap_or(""));
        let _ = base.set_username("");
        let _ = base.set_password(None);
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| ProvisionError::failed(System::RabbitMq, e))?;
        Ok(RabbitMqProvisioner {
            http,
            base,
            user,
            password,
        })
    }

    pub async fn ensure(&self, plan: &TenantPlan, password: &str) -> ProvisionResult<Outcome> {
        let user = plan.rabbitmq_user();
        let vhost = plan.rabbitmq_vhost();
        self.put(&format!("vhosts/{}", enc(&vhost)), json!({}))
            .await?;
        self.put(
            &format!("users/{}", enc(&user)),
            json!({ "password": password, "tags": "" }),
        )
        .await?;
        let described = match plan.isolation {
            Isolation::Siloed => format!("vhost {vhost} with user {user}"),
            Isolation::Pooled => {
                self.ensure_pooled_queue(plan).await?;
                format!(
                    "user {user} on the shared vhost {vhost}, routing keys {}*",
                    plan.routing_prefix()
                )
            }
        };
        if plan.suspended {
            self.revoke_access(&vhost, &user).await?;
            return Ok(Outcome::access_suspended(format!(
                "{described}; its permissions are taken away while the tenant is suspended"
            )));
        }
        self.grant_access(plan, &vhost, &user).await?;
        Ok(Outcome::ready(described))
    }

    /// The shared topic exchange, and the tenant's queue bound to it with its routing keys.
    async fn ensure_pooled_queue(&self, plan: &TenantPlan) -> ProvisionResult<()> {
        let vhost = plan.rabbitmq_vhost();
        let exchange = &plan.shared.exchange;
        let queue = plan.pooled_queue();
        self.put(
            &format!("exchanges/{}/{}", enc(&vhost), enc(exchange)),
            json!({ "type": "topic", "durable": true }),
        )
        .await?;
        self.put(
            &format!("queues/{}/{}", enc(&vhost), enc(&queue)),
            json!({ "durable": true }),
        )
        .await?;
        // Binding twice with the same key is a no-op in RabbitMQ.
        self.send(
            Method::POST,
            &format!(
                "bindings/{}/e/{}/q/{}",
                enc(&vhost),
                enc(exchange),
                enc(&queue)
            ),
            Some(json!({ "routing_key": format!("{}*", plan.routing_prefix()) })),
        )
        .await?;
        Ok(())
    }

    /// Siloed: everything in its own vhost. Pooled: publish to the shared exchange with its own
    /// routing keys only, and read its own queue only.
    async fn grant_access(
        &self,
        plan: &TenantPlan,
        vhost: &str,
        user: &str,
    ) -> ProvisionResult<()> {
        let permissions = format!("permissions/{}/{}", enc(vhost), enc(user));
        match plan.isolation {
            Isolation::Siloed => {
                self.put(
                    &permissions,
                    json!({ "configure": ".*", "write": ".*", "read": ".*" }),
                )
                .await
            }
            Isolation::Pooled => {
                let exchange = &plan.shared.exchange;
                let keys = format!("^{}", regex_escape(&plan.routing_prefix()));
                self.put(
                    &permissions,
                    json!({
                        "configure": "^$",
                        "write": format!("^{}$", regex_escape(exchange)),
                        "read": format!("^{}$", regex_escape(&plan.pooled_queue())),
                    }),
                )
                .await?;
                self.put(
                    &format!("topic-permissions/{}/{}", enc(vhost), enc(user)),
                    json!({ "exchange": exchange, "write": keys, "read": keys }),
                )
                .await
            }
        }
    }

    /// Without permissions on the vhost the user cannot open it. A channel that is already open
    /// keeps the permissions it has checked, so the user's connections are closed too.
    async fn revoke_access(&self, vhost: &str, user: &str) -> ProvisionResult<()> {
        self.delete(&format!("permissions/{}/{}", enc(vhost), enc(user)))
            .await?;
        self.delete(&format!("topic-permissions/{}/{}", enc(vhost), enc(user)))
            .await?;
        self.close_connections(user).await
    }

    /// The broker's own tracking of connections, so a connection opened a moment ago is
    /// closed too (the management API's connection list lags behind).
    async fn close_connections(&self, user: &str) -> ProvisionResult<()> {
        self.delete(&format!("connections/username/{}", enc(user)))
            .await
    }

    /// The user goes under both policies (it is a credential). `Delete` also removes the
    /// tenant's vhost (siloed) or queue (pooled); `Retain` keeps them and their messages.
    pub async fn remove(&self, plan: &TenantPlan, policy: DeletionPolicy) -> ProvisionResult<()> {
        self.delete(&format!("users/{}", enc(&plan.rabbitmq_user())))
            .await?;
        if policy == DeletionPolicy::Delete {
            match plan.isolation {
                Isolation::Siloed => {
                    self.delete(&format!("vhosts/{}", enc(&plan.rabbitmq_vhost())))
                        .await?
                }
                Isolation::Pooled => {
                    self.delete(&format!(
                        "queues/{}/{}",
                        enc(&plan.rabbitmq_vhost()),
                        enc(&plan.pooled_queue())
                    ))
                    .await?
                }
            }
        }
        Ok(())
    }

    pub async fn observe(&self, plan: &TenantPlan) -> ProvisionResult<Presence> {
        let mut present = vec![];
        let user = plan.rabbitmq_user();
        if self.exists(&format!("users/{}", enc(&user))).await? {
            present.push(format!("user {user}"));
        }
        let (kind, path) = match plan.isolation {
            Isolation::Siloed => ("vhost", format!("vhosts/{}", enc(&plan.rabbitmq_vhost()))),
            Isolation::Pooled => (
                "queue",
                format!(
                    "queues/{}/{}",
                    enc(&plan.rabbitmq_vhost()),
                    enc(&plan.pooled_queue())
                ),
            ),
        };
        if self.exists(&path).await? {
            present.push(format!(
                "{kind} {}",
                path.rsplit('/').next().unwrap_or_default()
            ));
        }
        Ok(Presence { present })
    }

    async fn put(&self, path: &str, body: serde_json::Value) -> ProvisionResult<()> {
        self.send(Method::PUT, path, Some(body)).await.map(|_| ())
    }

    /// DELETE; a resource that is already gone is success.
    async fn delete(&self, path: &str) -> ProvisionResult<()> {
        match self.send(Method::DELETE, path, None).await {
            Ok(_) => Ok(()),
            Err(e) if e.message.starts_with("404") => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn exists(&self, path: &str) -> ProvisionResult<bool> {
        match self.send(Method::GET, path, None).await {
            Ok(_) => Ok(true),
            Err(e) if e.message.starts_with("404") => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> ProvisionResult<StatusCode> {
        let url = format!("{}api/{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .basic_auth(&self.user, Some(&self.password));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            ProvisionError::unreachable(System::RabbitMq, format!("{method} {path}: {e}"))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(status);
        }
        let text = response.text().await.unwrap_or_default();
        Err(ProvisionError::failed(
            System::RabbitMq,
            format!(
                "{} {method} {path}: {}",
                status.as_u16(),
                text.chars().take(300).collect::<String>()
            ),
        ))
    }
}

/// Percent-encodes one path segment of the management API (vhost `/` is `%2F`).
fn enc(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| u8::from_str_radix(&value[i + 1..i + 3], 16).ok())
            .flatten();
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes the regex metacharacters that can occur in our names (`.` above all).
fn regex_escape(value: &str) -> String {
    value
        .chars()
        .flat_map(|c| match c {
            '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' | '\\' => {
                vec!['\\', c]
            }
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_path_segments() {
        assert_eq!(enc("/"), "%2F");
        assert_eq!(enc("tenant-acme"), "tenant-acme");
        assert_eq!(enc("tenant.acme.tasks"), "tenant.acme.tasks");
    }

    #[test]
    fn decodes_credentials() {
        assert_eq!(percent_decode("gu%40st"), "gu@st");
        assert_eq!(percent_decode("guest"), "guest");
    }

    #[test]
    fn escapes_dots_in_routing_patterns() {
        assert_eq!(regex_escape("tenant.acme."), "tenant\\.acme\\.");
    }
}
