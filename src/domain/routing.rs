//! Routing: a request for an agency goes to the spokespeople in force when it
//! is filed (the primary and the deputies, Decree 09/2017 Art. 3); an agency
//! with none goes to its jurisdiction's press-management Department.

use chrono::{DateTime, Utc};

/// A spokesperson assignment as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub user_id: String,
    pub primary: bool,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
}

impl Assignment {
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.valid_from <= at && self.valid_to.is_none_or(|to| at < to)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The agency's spokespeople in force: the primary first (if any), then deputies.
    Spokespeople(Vec<String>),
    /// Nobody speaks for the agency: the Department takes it (escalation `unroutable`).
    Department,
}

pub fn route(assignments: &[Assignment], at: DateTime<Utc>) -> Route {
    let mut live: Vec<&Assignment> = assignments.iter().filter(|a| a.in_force(at)).collect();
    if live.is_empty() {
        return Route::Department;
    }
    live.sort_by_key(|a| (!a.primary, a.valid_from));
    let mut users: Vec<String> = Vec::new();
    for a in live {
        if !users.contains(&a.user_id) {
            users.push(a.user_id.clone());
        }
    }
    Route::Spokespeople(users)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 2, 0, 0).unwrap()
    }

    fn a(user: &str, primary: bool, from_days: i64, to_days: Option<i64>) -> Assignment {
        Assignment {
            user_id: user.into(),
            primary,
            valid_from: at() + Duration::days(from_days),
            valid_to: to_days.map(|d| at() + Duration::days(d)),
        }
    }

    #[test]
    fn primary_then_deputies_decree_09_2017_art_3() {
        let r = route(&[a("deputy", false, -10, None), a("primary", true, -5, None)], at());
        assert_eq!(r, Route::Spokespeople(vec!["primary".into(), "deputy".into()]));
    }

    #[test]
    fn only_assignments_in_force_at_filing_count() {
        let r =
            route(&[a("gone", true, -30, Some(-1)), a("future", true, 1, None), a("deputy", false, -3, None)], at());
        assert_eq!(r, Route::Spokespeople(vec!["deputy".into()]));
        // valid_to is exclusive: the assignment ends at that instant.
        assert_eq!(route(&[a("x", true, -3, Some(0))], at()), Route::Department);
    }

    #[test]
    fn nobody_in_force_goes_to_the_department() {
        assert_eq!(route(&[], at()), Route::Department);
        assert_eq!(route(&[a("gone", true, -30, Some(-1))], at()), Route::Department);
    }
}
