//! `lifecircle rerun RUN.json --out DIR`: repeat a run from its provenance (the `provenance` member of
//! `summary.json`, `extract.json`, `coverage.json`, `bundle.json` or `sites.json`, see
//! [`crate::provenance`]) into a new folder.
//!
//! Before anything runs, every input file is checked against the size and SHA-256 the run recorded, and so
//! is the rule profile (a `--profile` file, or the profile embedded in the binary); a file that changed or
//! is gone stops the rerun with a message naming it (exit 2) — unless `--force`, which runs anyway and
//! says, in the log and in the new run's provenance, which inputs differ. A different lifecircle version
//! or commit is reported, not refused: the point of a rerun is to see whether the answer still holds.
//!
//! The command line is the recorded one, with its `--out` replaced by the new folder, run in the recorded
//! working directory (relative input paths mean what they meant then). The new run's provenance records
//! that command line.
//!
//! **Kept copies.** An input that is gone from its recorded path is looked for in the run's own folder,
//! as `inputs/<its file name>` beside the run's JSON, with the recorded size and SHA-256: the QGIS plugin
//! exports the planner's layers (and the survey, and a profile with changed thresholds) to temporary
//! files and keeps them there, so that a run made in QGIS can be repeated and audited. The command line
//! then names the copy (`FILE`, `FILE|layername=x` and `--flag=FILE` spellings). A copy that is not the
//! file the run read (edited since) counts as a changed input: refused, or with `--force` read as it is.

use crate::error::{Error, Result};
use crate::provenance::{self, Provenance, file_sha256};
use std::path::{Path, PathBuf};

/// What [`prepare_rerun`] found: the arguments to run and the inputs that no longer match.
#[derive(Debug, Clone, PartialEq)]
pub struct Rerun {
    /// The recorded command line (program name first) with `--out` replaced.
    pub args: Vec<String>,
    /// The recorded working directory.
    pub working_directory: PathBuf,
    /// One line per input that changed or is missing (empty when all match).
    pub changed: Vec<String>,
    /// The recorded provenance.
    pub recorded: Provenance,
}

/// Read a run's JSON, check its inputs, and build the command line that repeats it into `out`.
/// Changed inputs are an [`Error::Input`] naming the first such file unless `force`.
pub fn prepare_rerun(run_json: &Path, out: &Path, force: bool) -> Result<Rerun> {
    let text = std::fs::read_to_string(run_json).map_err(|e| Error::input(run_json, format!("cannot be read: {e}"), "give the summary.json (or extract.json, coverage.json ...) of an earlier run"))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::input(run_json, format!("is not JSON: {e}"), "give the summary.json of an earlier run"))?;
    let Some(member) = json.get("provenance") else {
        return Err(Error::input(run_json, "has no `provenance` member: it was written by a lifecircle without provenance, or is not a run's JSON", "give the summary.json (plan) or extract.json / coverage.json / bundle.json / sites.json of a run"));
    };
    let recorded: Provenance = serde_json::from_value(member.clone()).map_err(|e| Error::input(run_json, format!("its `provenance` cannot be read: {e}"), "give an unedited summary.json"))?;
    let working_directory = PathBuf::from(&recorded.working_directory);
    let resolve = |p: &str| -> PathBuf {
        let path = PathBuf::from(p);
        if path.is_absolute() { path } else { working_directory.join(path) }
    };
    let mut changed = Vec::new();
    let mut copies: Vec<(String, String)> = Vec::new();
    for input in &recorded.inputs {
        let path = resolve(&input.path);
        let role = input.role.replace('_', "-");
        match file_sha256(&path) {
            Ok((size, sha)) if sha == input.sha256 && size == input.size_bytes => {}
            Err(_) => match kept_copy(run_json, input) {
                Some(KeptCopy { path: copy, matches: true, .. }) => copies.push((input.path.clone(), copy.display().to_string())),
                // Another file under the copy's name: read only with --force, which says so.
                Some(KeptCopy { path: copy, matches: false, size_bytes, sha256 }) => {
                    changed.push(format!(
                        "{} (--{role}) is gone and its kept copy {} changed since the run: it had {} bytes, SHA-256 {}; the copy has {size_bytes} bytes, SHA-256 {sha256}",
                        path.display(),
                        copy.display(),
                        input.size_bytes,
                        input.sha256
                    ));
                    copies.push((input.path.clone(), copy.display().to_string()));
                }
                None => changed.push(format!("{} (--{role}) is gone: the run read it ({} bytes, SHA-256 {})", path.display(), input.size_bytes, input.sha256)),
            },
            Ok((size, sha)) => changed.push(format!(
                "{} (--{role}) changed since the run: it had {} bytes, SHA-256 {}; it now has {size} bytes, SHA-256 {sha}",
                path.display(),
                input.size_bytes,
                input.sha256
            )),
        }
    }
    if recorded.profile.source == "embedded" {
        let now = provenance::sha256_hex(crate::profile::DEFAULT_PROFILE_TOML.as_bytes());
        if now != recorded.profile.sha256 {
            changed.push(format!(
                "the profile embedded in this lifecircle ({}) differs from the one the run used: SHA-256 {} then, {now} now",
                env!("CARGO_PKG_VERSION"),
                recorded.profile.sha256
            ));
        }
    }
    if let Some(first) = changed.first()
        && !force
    {
        let all = if changed.len() > 1 { format!(" ({} inputs differ: {})", changed.len(), changed.join("; ")) } else { String::new() };
        return Err(Error::input(run_json, format!("cannot be repeated as it was: {first}{all}"), "restore the original input files, or add --force to run on the files as they are now (the new run records what differs)"));
    }
    let mut args = replace_out(&recorded.command_line, out).ok_or_else(|| Error::input(run_json, "its command line has no --out", "give the JSON of a run of extract, coverage, bundle, sites or plan"))?;
    for (gone, copy) in &copies {
        for a in args.iter_mut().skip(1) {
            *a = with_path_replaced(a, gone, copy);
        }
        tracing::info!(recorded = %gone, copy = %copy, "input read from the run's kept copy");
    }
    if args.get(1).is_some_and(|a| a == "batch") {
        return Err(Error::input(run_json, "records a batch run; rerun repeats one run", "rerun one area's summary.json, or run the batch again"));
    }
    Ok(Rerun { args, working_directory, changed, recorded })
}

/// A file kept under a gone input's name (module doc), as an absolute path (the rerun runs in the recorded
/// working directory), and whether it has the recorded size and SHA-256.
struct KeptCopy {
    path: PathBuf,
    matches: bool,
    size_bytes: u64,
    sha256: String,
}

/// The kept copy of a gone input: `inputs/<file name>` beside `run_json`, when there is such a file.
fn kept_copy(run_json: &Path, input: &provenance::InputFile) -> Option<KeptCopy> {
    let name = Path::new(&input.path).file_name()?;
    let path = std::path::absolute(run_json.parent()?.join("inputs").join(name)).ok()?;
    let (size_bytes, sha256) = file_sha256(&path).ok()?;
    Some(KeptCopy { matches: size_bytes == input.size_bytes && sha256 == input.sha256, path, size_bytes, sha256 })
}

/// `arg` naming `copy` instead of `gone`: the whole argument, `gone|layername=...`, or `--flag=gone...`.
fn with_path_replaced(arg: &str, gone: &str, copy: &str) -> String {
    let (flag, value) = match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (Some(flag), value),
        _ => (None, arg),
    };
    let value = match value.strip_prefix(gone) {
        Some("") => copy.to_string(),
        Some(rest) if rest.starts_with('|') => format!("{copy}{rest}"),
        _ => return arg.to_string(),
    };
    match flag {
        Some(flag) => format!("{flag}={value}"),
        None => value,
    }
}

/// `args` with the value of `--out` (as `--out DIR` or `--out=DIR`) replaced by `out`; `None` without one.
fn replace_out(args: &[String], out: &Path) -> Option<Vec<String>> {
    let out_text = out.display().to_string();
    let mut replaced = false;
    let mut result = Vec::with_capacity(args.len());
    let mut k = 0;
    while k < args.len() {
        let a = &args[k];
        if a == "--out" && k + 1 < args.len() {
            result.push(a.clone());
            result.push(out_text.clone());
            replaced = true;
            k += 2;
            continue;
        }
        if a.starts_with("--out=") {
            result.push(format!("--out={out_text}"));
            replaced = true;
        } else {
            result.push(a.clone());
        }
        k += 1;
    }
    replaced.then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_copy_replaces_the_gone_path_in_every_spelling() {
        let (gone, copy) = ("/tmp/lifecircle-qgis-inputs-x/estates.gpkg", "/data/run/inputs/estates.gpkg");
        assert_eq!(with_path_replaced(gone, gone, copy), copy);
        assert_eq!(with_path_replaced(&format!("{gone}|layername=estates"), gone, copy), format!("{copy}|layername=estates"));
        assert_eq!(with_path_replaced(&format!("--estates={gone}"), gone, copy), format!("--estates={copy}"));
        // Other arguments, and paths that only begin like the gone one, stay.
        assert_eq!(with_path_replaced("--estates", gone, copy), "--estates");
        assert_eq!(with_path_replaced(&format!("{gone}.bak"), gone, copy), format!("{gone}.bak"));
        assert_eq!(with_path_replaced("a=b", gone, copy), "a=b");
    }

    #[test]
    fn out_is_replaced_in_both_spellings() {
        let args: Vec<String> = ["lifecircle", "plan", "--osm", "a.pbf", "--out", "old", "-q"].iter().map(|s| s.to_string()).collect();
        assert_eq!(replace_out(&args, Path::new("/new")).unwrap(), ["lifecircle", "plan", "--osm", "a.pbf", "--out", "/new", "-q"]);
        let args: Vec<String> = ["lifecircle", "coverage", "--out=old"].iter().map(|s| s.to_string()).collect();
        assert_eq!(replace_out(&args, Path::new("n")).unwrap(), ["lifecircle", "coverage", "--out=n"]);
        assert!(replace_out(&args[..2], Path::new("n")).is_none());
    }
}
