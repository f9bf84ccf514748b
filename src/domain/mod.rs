//! Pure domain logic: no I/O, no database, no web framework. Time comes in as a
//! parameter (see `crate::clock`), so every rule here is testable on its own.

pub mod account;
pub mod attachment;
pub mod calendar;
pub mod deadline;
pub mod directory;
pub mod due_hint;
pub mod kind;
pub mod lunar;
pub mod password;
pub mod policy;
pub mod request;
pub mod routing;
pub mod sweep;
pub mod text;
pub mod validation;
