//! Pure domain logic: no I/O, no database, no web framework. Time comes in as a
//! parameter (see `crate::clock`), so every rule here is testable on its own.

/// `Display` as the stored and API spelling (`as_str`), so that templates and
/// messages show an enum as the API does.
macro_rules! display_as_str {
    ($($ty:ty),* $(,)?) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

pub mod account;
pub mod attachment;
pub mod calendar;
pub mod deadline;
pub mod directory;
pub mod due_hint;
pub mod escalation;
pub mod id;
pub mod kind;
pub mod lunar;
pub mod password;
pub mod policy;
pub mod request;
pub mod routing;
pub mod stats;
pub mod sweep;
pub mod text;
pub mod validation;

display_as_str!(
    account::Role,
    account::Locale,
    directory::AgencyLevel,
    escalation::EscalationStatus,
    kind::RequestKind,
    request::Status,
    request::Outcome,
);
