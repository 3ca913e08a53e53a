//! The merged OpenAPI document, kept for a while. `/api/openapi.json` is public, and building
//! the document calls every service: without a cache, each anonymous request would fan out to
//! all of them. One build runs at a time; the requests that arrive meanwhile wait for it and
//! share its result instead of starting builds of their own.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

pub struct OpenApiCache {
    ttl: Duration,
    /// The document and when it was built. The lock is held across a build, which is what
    /// keeps builds one at a time.
    current: Mutex<Option<(Instant, Arc<Value>)>>,
}

impl OpenApiCache {
    pub fn new(ttl: Duration) -> OpenApiCache {
        OpenApiCache {
            ttl,
            current: Mutex::new(None),
        }
    }

    /// The cached document, or the one `build` makes when there is none younger than the TTL.
    pub async fn get<F, Fut>(&self, build: F) -> Arc<Value>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Value>,
    {
        self.get_at(Instant::now(), build).await
    }

    /// `get`, at `now` (tests move the clock).
    pub async fn get_at<F, Fut>(&self, now: Instant, build: F) -> Arc<Value>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Value>,
    {
        let mut current = self.current.lock().await;
        if let Some((built, document)) = current.as_ref()
            && now.saturating_duration_since(*built) < self.ttl
        {
            return document.clone();
        }
        let document = Arc::new(build().await);
        *current = Some((now, document.clone()));
        document
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;
    use tokio::sync::Notify;

    use super::*;

    #[tokio::test]
    async fn requests_during_a_build_wait_for_it_and_the_ttl_ends_the_cache() {
        let cache = Arc::new(OpenApiCache::new(Duration::from_secs(60)));
        let builds = Arc::new(AtomicUsize::new(0));
        let finish = Arc::new(Notify::new());
        let build = {
            let (builds, finish) = (builds.clone(), finish.clone());
            move || {
                let (builds, finish) = (builds.clone(), finish.clone());
                async move {
                    let n = builds.fetch_add(1, Ordering::SeqCst);
                    // Held open until every request has arrived.
                    finish.notified().await;
                    json!({ "build": n })
                }
            }
        };
        let t0 = Instant::now();
        let requests: Vec<_> = (0..10)
            .map(|_| {
                let (cache, build) = (cache.clone(), build.clone());
                tokio::spawn(async move { cache.get_at(t0, build).await })
            })
            .collect();
        // On this single-threaded runtime, yielding lets every spawned request run up to its
        // wait: one in the build, nine on the lock.
        tokio::task::yield_now().await;
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        finish.notify_one();
        for request in requests {
            assert_eq!(*request.await.unwrap(), json!({ "build": 0 }));
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);

        let later = |seconds| t0 + Duration::from_secs(seconds);
        assert_eq!(
            *cache.get_at(later(59), build.clone()).await,
            json!({ "build": 0 })
        );
        finish.notify_one();
        assert_eq!(*cache.get_at(later(61), build).await, json!({ "build": 1 }));
    }
}
