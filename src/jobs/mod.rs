//! Background work that runs in every instance: the mailer (outbox to SMTP)
//! and the sweeper (reminders, overdue escalation, closing).

pub mod mailer;
pub mod sweeper;
