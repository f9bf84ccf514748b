//! What a form post's one blocking call ends with. A refused form is shown
//! again with what its page needs, read on the same connection in the same
//! call, so a refusal costs no second trip to the blocking pool.

use crate::domain::validation::FieldErrors;
use crate::service::{AppError, AppResult};

pub enum Posted<T, D> {
    /// The service did the work.
    Done(T),
    /// The service refused the form's fields; `D` is what the page shows with them.
    Invalid(FieldErrors, D),
}

impl<T, D> Posted<T, D> {
    /// The service's answer `work`; on a refusal of the fields, the page's
    /// data read with `page`. Any other failure stays the call's failure.
    pub fn of(work: AppResult<T>, page: impl FnOnce() -> AppResult<D>) -> AppResult<Posted<T, D>> {
        match work {
            Ok(t) => Ok(Posted::Done(t)),
            Err(AppError::Validation(e)) => Ok(Posted::Invalid(e, page()?)),
            Err(e) => Err(e),
        }
    }
}
