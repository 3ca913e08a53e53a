//! Exports of a tenant's projects and tasks: requested over HTTP (a row in `exports` and a task
//! in the outbox, in one transaction), written by the worker as CSV and JSON into that row, and
//! downloadable for `EXPORT_TTL_SECONDS` (a day) after the request, by the service's clock.

pub mod files;
pub mod task;
pub mod worker;
