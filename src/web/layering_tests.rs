//! The web layer parses, authorises, calls a service and renders: it never
//! names the database layer. The one exception is `web/mod.rs`, which wires
//! the connection pool into `AppState` and lends connections to services.

use std::path::{Path, PathBuf};

/// Where the database layer may be named under src/web.
const POOL_WIRING: &str = "mod.rs";

/// The lines of `source` that name the database layer (the crate's `db`
/// module or any path through it), as (line number, line).
fn naming_db(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            line.match_indices("db::").any(|(at, _)| {
                let before = line[..at].chars().next_back();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|(n, line)| (n + 1, line.trim().to_string()))
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_sees_every_way_of_naming_the_database() {
    // The samples are built at run time, so this file does not name the layer itself.
    let db = |rest: &str| format!("{}::{rest}", "db");
    assert_eq!(naming_db(&format!("use crate::{};", db("models::User"))).len(), 1);
    assert_eq!(naming_db(&format!("fn f(a: &crate::{}) {{}}", db("models::AttachmentRow"))).len(), 1);
    assert_eq!(naming_db(&format!("let a = {}(conn, id)?;", db("agencies::by_id"))).len(), 1);
    assert_eq!(
        naming_db(&format!("x\n    ({}, y)", db("models::User"))).iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        vec![2]
    );
    assert!(naming_db("state.db(move |conn, env| f(conn)).await; state.db(g); my_db::x").is_empty());
}

#[test]
fn no_file_under_src_web_names_the_database_layer() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut files = Vec::new();
    rust_files(&web, &mut files);
    assert!(files.len() > 10, "src/web should hold the web layer");
    let wiring = web.join(POOL_WIRING);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != wiring && !f.ends_with("layering_tests.rs")) {
        let source = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (n, line) in naming_db(&source) {
            found.push(format!("{}:{n}: {line}", file.strip_prefix(&web).unwrap_or(file).display()));
        }
    }
    assert!(found.is_empty(), "the web layer goes through services, never db/:\n{}", found.join("\n"));
}
