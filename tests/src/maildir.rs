//! Reading the mail that the SMTP sink stored (scripts/smtp_sink.py writes one .eml per message,
//! starting with an `X-Envelope-To` line).

use std::path::Path;
use std::time::Duration;

use crate::wait;

/// Waits for a message to `recipient` whose text contains `containing`, and returns it whole.
pub async fn wait_for_mail(maildir: &str, recipient: &str, containing: &str) -> String {
    let needle = format!("X-Envelope-To: {recipient}");
    wait::until(
        Duration::from_secs(30),
        &format!("an email to {recipient} with {containing:?} in {maildir}"),
        || async {
            let entries = std::fs::read_dir(Path::new(maildir)).ok()?;
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .find(|text| {
                    text.lines().next().is_some_and(|l| l.trim() == needle)
                        && text.contains(containing)
                })
        },
    )
    .await
}

/// The token in the first link of `mail` that has `?token=`. The body is quoted-printable: soft
/// line breaks (`=` at the end of a line) are joined and `=3D` turned back into `=` first.
pub fn token_from(mail: &str) -> String {
    let joined = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = joined.find("?token=").expect("a link with a token") + "?token=".len();
    joined[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect()
}
