//! The emails the auth service sends, as `email.send` tasks. Pure: builds payloads.

use serde_json::{Value, json};

/// The task payload of one email.
pub fn email(to: &str, subject: &str, text: &str) -> Value {
    json!({ "to": to, "subject": subject, "text": text })
}

pub fn verification(to: &str, web_origin: &str, token: &str) -> Value {
    let link = format!(
        "{}/verify-email?token={token}",
        web_origin.trim_end_matches('/')
    );
    email(
        to,
        "Confirm your email address",
        &format!(
            "Welcome to SaaScript.\n\nConfirm your email address by opening this link:\n{link}\n\nThe link works once, for 24 hours.\n"
        ),
    )
}

pub fn password_reset(to: &str, web_origin: &str, token: &str) -> Value {
    let link = format!(
        "{}/reset-password?token={token}",
        web_origin.trim_end_matches('/')
    );
    email(
        to,
        "Reset your password",
        &format!(
            "Someone asked to reset your SaaScript password.\n\nTo choose a new one, open this link:\n{link}\n\nThe link works once, for one hour. If it was not you, ignore this email.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_link_carries_the_token() {
        let mail = super::verification("ada@example.com", "http://127.0.0.1:3000/", "abc");
        assert_eq!(mail["to"], "ada@example.com");
        assert!(
            mail["text"]
                .as_str()
                .unwrap()
                .contains("http://127.0.0.1:3000/verify-email?token=abc")
        );
    }
}
