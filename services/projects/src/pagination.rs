//! Cursor pagination. Ids are UUIDv7, ordered by creation time, so a page is the rows after the
//! cursor (the last id of the page before) in id order; a row created meanwhile lands on a
//! later page, and none is skipped or repeated.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ProjectsError, Result};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// One page of a list, and the cursor of the next (absent on the last page).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Uuid>,
}

/// The page size asked for, 1 to 100 (20 when absent).
pub fn limit(asked: Option<u32>) -> Result<u32> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ProjectsError::invalid(
            "limit",
            format!("`limit` must be from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// The page of `rows` (fetched with one more than `limit`, to know whether more follow).
pub fn page<T>(mut rows: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(id) } else { None };
    Page {
        items: rows,
        next_cursor,
    }
}
