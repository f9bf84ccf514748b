//! The pages in a real headless Chromium (chromedriver + WebDriver), with the
//! real application on a random port, a fresh database per test on both
//! backends and a real SMTP server. Every page a scenario visits is checked by
//! axe-core (no serious or critical violation), must not scroll sideways, and
//! is saved as a PNG under target/screenshots/.
//!
//! Needs /usr/bin/chromium, /usr/bin/chromedriver and `npm ci` in
//! tests/browser (axe-core). Without Chromium each test prints
//! "skipped: no chromium" and passes, unless TIEPCAN_REQUIRE_BROWSER=1.

// The integration tests' harness, shared as is; this suite uses part of it.
#[allow(dead_code)]
#[path = "../api/helpers/mod.rs"]
mod helpers;

mod accounts;
mod admin_scenarios;
mod driver;
mod inbound_scenarios;
mod scenarios;
mod stats_scenarios;
mod world;
