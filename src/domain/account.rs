//! Accounts: roles, locales and the rules for the fields people type in.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::validation::FieldErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    Spokesperson,
    Reporter,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Spokesperson => "spokesperson",
            Role::Reporter => "reporter",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "spokesperson" => Some(Role::Spokesperson),
            "reporter" => Some(Role::Reporter),
            _ => None,
        }
    }

    /// Which roles a user of this role may invite. Department staff bring in
    /// spokespeople and colleagues of their own province; only an administrator
    /// creates administrators.
    pub fn may_invite(self, invited: Role) -> bool {
        match self {
            Role::Admin => invited != Role::Reporter,
            Role::Staff => matches!(invited, Role::Spokesperson | Role::Staff),
            _ => false,
        }
    }
}

/// The language of pages and mails. Vietnamese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Locale::Vi),
            "en" | "en-us" | "en-gb" => Some(Locale::En),
            _ => None,
        }
    }
}

/// Normalises an email address for storage and comparison, so that one
/// mailbox is one account: trimmed, lower-cased as a whole (the domain is
/// case-insensitive by definition; the local part is too at every provider our
/// users have, and treating `Mai@` and `mai@` as two people would invite
/// impostors), then put in Unicode NFC, so that the composed and decomposed
/// spellings of "nguyễn" are the same address. The `users.email` column holds
/// this form and is unique.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase().nfc().collect()
}

/// A deliberately plain check: one `@`, a non-empty local part, a domain with a
/// dot, no spaces or control characters. The verification mail is the real test.
pub fn is_plausible_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Checks an email field and returns it normalised.
pub fn check_email(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let email = normalize_email(value);
    if email.is_empty() {
        errors.add(field, "required");
    } else if !is_plausible_email(&email) {
        errors.add(field, "invalid_email");
    }
    email
}

/// Phone numbers: digits with an optional leading `+`, spaces, dots or dashes.
pub fn is_plausible_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (8..=15).contains(&digits)
        && phone.trim_start_matches('+').chars().all(|c| c.is_ascii_digit() || " .-()".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_round_trip() {
        for r in [Role::Admin, Role::Staff, Role::Spokesperson, Role::Reporter] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn who_may_invite_whom() {
        assert!(Role::Admin.may_invite(Role::Admin));
        assert!(Role::Admin.may_invite(Role::Spokesperson));
        assert!(!Role::Admin.may_invite(Role::Reporter));
        assert!(Role::Staff.may_invite(Role::Spokesperson));
        assert!(!Role::Staff.may_invite(Role::Admin));
        assert!(!Role::Spokesperson.may_invite(Role::Spokesperson));
        assert!(!Role::Reporter.may_invite(Role::Staff));
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("pv@baothainguyen.vn"));
        assert!(!is_plausible_email("pv@localhost"));
        assert!(!is_plausible_email("p v@a.vn"));
        assert!(!is_plausible_email("a@@b.vn"));
        assert!(!is_plausible_email("@b.vn"));
        assert_eq!(normalize_email("  PV@Bao.VN "), "pv@bao.vn");
    }

    #[test]
    fn composed_and_decomposed_spellings_are_one_address() {
        let composed = "nguy\u{1ec5}n@bao.example.vn";
        let decomposed = "nguye\u{302}\u{303}n@BAO.example.vn";
        assert_ne!(composed, decomposed);
        assert_eq!(normalize_email(composed), normalize_email(decomposed));
        assert_eq!(normalize_email(decomposed), composed);
    }

    proptest::proptest! {
        #[test]
        fn normalising_twice_changes_nothing(s in "\\PC{0,30}") {
            let once = normalize_email(&s);
            proptest::prop_assert_eq!(normalize_email(&once), once);
        }
    }

    #[test]
    fn phones() {
        assert!(is_plausible_phone("+84 912 345 678"));
        assert!(is_plausible_phone("0912.345.678"));
        assert!(!is_plausible_phone("12345"));
        assert!(!is_plausible_phone("call me"));
    }

    #[test]
    fn locales() {
        assert_eq!(Locale::parse("EN"), Some(Locale::En));
        assert_eq!(Locale::parse("vi-VN"), Some(Locale::Vi));
        assert_eq!(Locale::parse("fr"), None);
    }
}
