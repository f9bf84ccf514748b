//! Background work that runs in every instance: the mailer now; the sweeper
//! (reminders, overdue, escalation) joins it with the deadline engine.

pub mod mailer;
