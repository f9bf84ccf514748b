//! tiepcan: journalists' information requests to Vietnamese state agencies,
//! routed to spokespeople with legal deadlines, escalated to the provincial
//! press-management Department, every step mailed.

pub mod clock;
pub mod config;
pub mod db;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod service;
pub mod domain;
