//! A service's background work (outbox relays, watches, consumers), named, so that `main` starts
//! all of it and a test starts only what it exercises.

use std::future::Future;
use std::pin::Pin;

use tokio::task::JoinHandle;

type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

#[derive(Default)]
pub struct Background {
    tasks: Vec<(&'static str, Task)>,
}

impl Background {
    pub fn new() -> Background {
        Background::default()
    }

    /// Adds a task that runs until the process stops.
    pub fn add(&mut self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push((name, Box::pin(task)));
    }

    /// The names of the tasks, in the order they were added.
    pub fn names(&self) -> Vec<&'static str> {
        self.tasks.iter().map(|(name, _)| *name).collect()
    }

    /// Starts every task; one that ends is logged, since each is meant to run for good.
    pub fn spawn_all(self) -> Vec<JoinHandle<()>> {
        self.spawn_where(|_| true)
    }

    /// Starts the tasks named in `names` and drops the others (tests).
    pub fn spawn_only(self, names: &[&str]) -> Vec<JoinHandle<()>> {
        self.spawn_where(|name| names.contains(&name))
    }

    fn spawn_where(self, wanted: impl Fn(&str) -> bool) -> Vec<JoinHandle<()>> {
        self.tasks
            .into_iter()
            .filter(|(name, _)| wanted(name))
            .map(|(name, task)| {
                tokio::spawn(async move {
                    task.await;
                    tracing::warn!(task = name, "a background task ended");
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Background;

    fn counting(ran: &Arc<AtomicUsize>) -> impl std::future::Future<Output = ()> + use<> {
        let ran = ran.clone();
        async move {
            ran.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_test_starts_only_the_work_it_names() {
        let relay = Arc::new(AtomicUsize::new(0));
        let sweep = Arc::new(AtomicUsize::new(0));
        let mut background = Background::new();
        background.add("relay", counting(&relay));
        background.add("sweep", counting(&sweep));
        assert_eq!(background.names(), ["relay", "sweep"]);
        for task in background.spawn_only(&["sweep"]) {
            task.await.unwrap();
        }
        assert_eq!(relay.load(Ordering::SeqCst), 0);
        assert_eq!(sweep.load(Ordering::SeqCst), 1);
    }
}
