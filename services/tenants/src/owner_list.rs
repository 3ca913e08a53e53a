//! A list of owners as `Tenant.spec.owners` holds it: 1 to 20 email addresses, each as the CRD's
//! schema accepts it, without duplicates in any letter case (auth compares them without case).

/// The most owners a Tenant has (the CRD's bound).
pub const MAX_OWNERS: usize = 20;
const MAX_EMAIL_LENGTH: usize = 254;

/// The list trimmed and without duplicates (the first spelling stays), or why it is refused.
pub fn normalize(owners: &[String]) -> Result<Vec<String>, String> {
    let mut kept: Vec<String> = Vec::with_capacity(owners.len());
    for owner in owners {
        let owner = owner.trim();
        if !is_email(owner) {
            return Err(format!("`{owner}` is not an email address"));
        }
        if !kept.iter().any(|k| k.eq_ignore_ascii_case(owner)) {
            kept.push(owner.to_string());
        }
    }
    if kept.is_empty() {
        return Err("a tenant always has at least one owner".into());
    }
    if kept.len() > MAX_OWNERS {
        return Err(format!("a tenant has at most {MAX_OWNERS} owners"));
    }
    Ok(kept)
}

/// The CRD's pattern `^[^@\s]+@[^@\s]+\.[^@\s]+$`, at most 254 characters, and no control
/// characters.
fn is_email(text: &str) -> bool {
    if text.len() > MAX_EMAIL_LENGTH || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let Some((host, top)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty() && !host.is_empty() && !top.is_empty() && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(owners: &[&str]) -> Vec<String> {
        owners.iter().map(|o| o.to_string()).collect()
    }

    #[test]
    fn duplicates_in_any_case_go() {
        assert_eq!(
            normalize(&list(&["a@x.io", " A@X.io ", "b@x.io"])).unwrap(),
            list(&["a@x.io", "b@x.io"])
        );
    }

    #[test]
    fn an_empty_list_or_a_bad_address_is_refused() {
        assert!(normalize(&[]).is_err());
        for bad in [
            "", "a", "a@b", "@b.io", "a@.io", "a@b.", "a b@c.io", "a@b@c.io",
        ] {
            assert!(normalize(&list(&[bad])).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("o{i}@x.io")).collect();
        assert!(normalize(&many).is_err());
    }
}
