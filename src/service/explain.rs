//! Deadline explanations in words, in the reader's language.
//!
//! INTERFACE STUB: replaced with the real texts (locales/deadline.*.toml).

use crate::domain::deadline::{Deadline, Step};
use crate::i18n::Tr;

pub fn step_text(step: &Step, tr: &Tr) -> String {
    match step {
        Step::Placeholder { at } => tr.datetime(*at),
    }
}

pub fn steps_text(deadline: &Deadline, tr: &Tr) -> Vec<String> {
    deadline.steps.iter().map(|s| step_text(s, tr)).collect()
}
