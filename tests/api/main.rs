//! Integration tests: the real application over HTTP, a real database per
//! test on both backends, a real SMTP server.

mod helpers;

mod account_pages;
mod accounts;
mod admin_pages;
mod agencies_admin;
mod audit;
mod cli;
mod contract_inputs;
mod deadline_rules;
mod demo;
mod directory;
mod errors;
mod filing_concurrency;
mod inbound;
mod inbound_imap;
mod inbound_queue;
mod mail;
mod openapi;
mod pages;
mod password_reset;
mod request_pages;
mod requests;
mod security_input;
mod security_memory;
mod security_web;
mod self_service;
mod session_checks;
mod shared_storage;
mod stats;
mod sweeper;
mod sweeper_load;
mod transfers_and_paging;
mod users_admin;
