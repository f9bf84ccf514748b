//! Replies by mail: reply addresses (`tokens`), and turning a received
//! message into an action on its request through the same use cases as the
//! web, or into a row of the holding queue for Department staff.

pub mod change;
pub mod queue;
pub mod receive;
pub mod tokens;
