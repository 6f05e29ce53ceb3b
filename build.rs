//! Build script: gives `src/main.rs` the number of mimalloc's `mi_option_purge_delay`, and
//! `src/provenance.rs` the git commit the crate is built from (`LIFECIRCLE_GIT_COMMIT`: `git rev-parse HEAD`,
//! with `-dirty` when the work tree has changes, or `unknown` outside a git checkout or without git).
//!
//! The Rust bindings (`libmimalloc-sys`) do not name that option, and its number is its position in the C
//! enum `mi_option_e` of `mimalloc.h`, which mimalloc releases reorder. `libmimalloc-sys` (`links =
//! "mimalloc"`) hands this script the include directory of the very mimalloc it compiles
//! (`DEP_MIMALLOC_INCLUDE_DIR`); the enum is read there, so the number always belongs to the mimalloc the
//! binary links, and the build stops with a message if the option disappears.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    git_commit();
    println!("cargo::rerun-if-env-changed=DEP_MIMALLOC_INCLUDE_DIR");
    let Ok(dir) = std::env::var("DEP_MIMALLOC_INCLUDE_DIR") else {
        panic!("libmimalloc-sys gave no DEP_MIMALLOC_INCLUDE_DIR: keep `libmimalloc-sys` a direct dependency in Cargo.toml");
    };
    let header = Path::new(&dir).join("mimalloc.h");
    println!("cargo::rerun-if-changed={}", header.display());
    let text = std::fs::read_to_string(&header).unwrap_or_else(|e| panic!("cannot read {}: {e}", header.display()));
    let Some(value) = enum_value(&text, "mi_option_e", "mi_option_purge_delay") else {
        panic!(
            "{} has no `mi_option_purge_delay` in `enum mi_option_e`: mimalloc renamed or dropped the option; see what \
             replaced it and update src/main.rs and this script",
            header.display()
        );
    };
    println!("cargo::rustc-env=LIFECIRCLE_MI_OPTION_PURGE_DELAY={value}");
}

/// `LIFECIRCLE_GIT_COMMIT` for the provenance of every run; never fails the build.
fn git_commit() {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git").args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
    let dirty = commit.is_some() && git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let value = match commit {
        Some(c) if dirty => format!("{c}-dirty"),
        Some(c) => c,
        None => "unknown".to_string(),
    };
    println!("cargo::rustc-env=LIFECIRCLE_GIT_COMMIT={value}");
    // Rebuild when HEAD moves (a commit, a checkout) or the index changes (dirty or clean).
    for what in ["HEAD", "index"] {
        if let Some(path) = git(&["rev-parse", "--git-path", what]) {
            println!("cargo::rerun-if-changed={path}");
        }
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(path) = git(&["rev-parse", "--git-path", &reference])
    {
        println!("cargo::rerun-if-changed={path}");
    }
}

/// The value of `name` in the C enum `typedef enum <tag> { ... }`: counted from 0 (or from the last explicit
/// value), aliases (`a = b`) resolved; comments are skipped.
fn enum_value(header: &str, tag: &str, name: &str) -> Option<i64> {
    let start = header.find(&format!("enum {tag} {{"))?;
    let body = &header[start..];
    let body = &body[body.find('{')? + 1..body.find('}')?];
    let without_comments: String = body.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let mut known: Vec<(&str, i64)> = Vec::new();
    let mut next = 0i64;
    for entry in without_comments.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (entry_name, value) = match entry.split_once('=') {
            Some((n, v)) => {
                let v = v.trim();
                let value = v.parse::<i64>().ok().or_else(|| known.iter().find(|(k, _)| *k == v).map(|&(_, x)| x))?;
                (n.trim(), value)
            }
            None => (entry, next),
        };
        known.push((entry_name, value));
        next = value + 1;
    }
    known.iter().find(|(k, _)| *k == name).map(|&(_, v)| v)
}
