//! Background work that runs in every instance: the mailer (outbox to SMTP)
//! and the sweeper (reminders, overdue escalation, closing), each supervised.

pub mod inbound;
pub mod mailer;
pub mod orphan_files;
pub mod supervisor;
pub mod sweeper;
