//! The password rule: long enough, not absurdly long (hashing cost), and not one
//! of the passwords every attacker tries first.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 200;

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Why a password is not acceptable, if it is not.
pub fn problem(password: &str, email: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Some("password_short");
    }
    if len > MAX_LEN {
        return Some("too_long");
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower) {
        return Some("password_common");
    }
    if lower.chars().all(|c| lower.starts_with(c)) {
        return Some("password_common");
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if (!local.is_empty() && lower == local) || lower == email.to_lowercase() {
        return Some("password_is_email");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(problem("short", "a@b.vn"), Some("password_short"));
        assert_eq!(problem("1234567890", "a@b.vn"), Some("password_common"));
        assert_eq!(problem("MatKhau123", "a@b.vn"), Some("password_common"));
        assert_eq!(problem("zzzzzzzzzzzz", "a@b.vn"), Some("password_common"));
        assert_eq!(problem("nguyenvana.pv", "nguyenvana.pv@b.vn"), Some("password_is_email"));
        assert_eq!(problem("đồng-hồ-cát-42", "a@b.vn"), None);
        assert!(problem(&"x1".repeat(101), "a@b.vn").is_some());
    }

    #[test]
    fn list_entries_are_all_long_enough_to_matter() {
        // A shorter entry would be dead weight: the length rule already refuses it.
        assert!(common_passwords().iter().all(|p| p.chars().count() >= MIN_LEN));
        assert!(common_passwords().len() > 50);
    }
}
