//! The two files of an export, from the same rows: CSV (one line per task, a project without
//! tasks on a line of its own) and JSON (projects with their tasks).

use serde::Serialize;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ExportedProject {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[sqlx(skip)]
    pub tasks: Vec<ExportedTask>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ExportedTask {
    pub id: Uuid,
    #[serde(skip)]
    pub project_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: String,
    pub assignee_id: Option<String>,
    pub due_date: Option<String>,
}

const CSV_HEADER: &str =
    "project_id,project_name,task_id,task_title,task_status,assignee_id,due_date";

/// RFC 4180 quoting. A field a spreadsheet would read as a formula is prefixed with `'`, so
/// that opening an export never runs what a member typed.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn csv(projects: &[ExportedProject]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for project in projects {
        let lead = [project.id.to_string(), csv_field(&project.name)];
        if project.tasks.is_empty() {
            out.push_str(&format!("{},{},,,,,\r\n", lead[0], lead[1]));
        }
        for task in &project.tasks {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\r\n",
                lead[0],
                lead[1],
                task.id,
                csv_field(&task.title),
                task.status,
                csv_field(task.assignee_id.as_deref().unwrap_or("")),
                task.due_date.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

pub fn json(projects: &[ExportedProject]) -> Result<String, serde_json::Error> {
    serde_json::to_string(&serde_json::json!({ "projects": projects }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }

    #[test]
    fn a_project_without_tasks_has_a_line() {
        let project = ExportedProject {
            id: Uuid::nil(),
            name: "Empty".into(),
            description: String::new(),
            tasks: vec![],
        };
        let text = csv(&[project]);
        assert_eq!(text.lines().count(), 2, "{text}");
    }
}
