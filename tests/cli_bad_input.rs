//! The bad-input corpus (`tests/bad_input/cases.toml`) run through the real `lifecircle` binary: every
//! case must end with its exact exit code and a message that names the file at fault and says what is
//! wrong, never with Rust's panic text; a failed run must leave its output folder empty (no layer, no
//! temporary file), and a run whose bad features only become rejects must list them with their reasons.
//! All cases run; the failures are reported together.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Vec<String>,
    exit: i32,
    names: String,
    stderr: Vec<String>,
    #[serde(default)]
    stderr_absent: Vec<String>,
    #[serde(default)]
    rejects: Vec<(String, String)>,
    /// (source id, words) a reject's reason reads as in Chinese (the workbook's 剔除原因详情).
    #[serde(default)]
    rejects_zh: Vec<(String, String)>,
    #[serde(default)]
    outputs: Vec<(String, String)>,
    #[serde(default)]
    setup: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

/// A 64 KiB tmpfs mounted for the disk-full case, unmounted when dropped.
struct SmallDisk {
    mount_point: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Result<SmallDisk, String> {
        let mount_point = tempfile::tempdir().map_err(|e| e.to_string())?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(mount_point.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if status.status.success() { Ok(SmallDisk { mount_point }) } else { Err(String::from_utf8_lossy(&status.stderr).trim().to_string()) }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.mount_point.path()).status();
    }
}

/// Everything in `dir` (recursively), as paths relative to it.
fn entries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else { continue };
        for e in read.flatten() {
            let p = e.path();
            found.push(p.strip_prefix(dir).unwrap_or(&p).display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    found.sort();
    found
}

/// Run one case; the problems found, empty when it passes.
fn check_case(case: &Case, binary: &Path, cwd: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let scratch = tempfile::tempdir().expect("temporary folder");
    let disk = match case.setup.as_deref() {
        Some("tmpfs") => match SmallDisk::mount() {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("note: case `{}` skipped: a 64 KiB tmpfs cannot be mounted here ({e})", case.name);
                return problems;
            }
        },
        Some(other) => return vec![format!("unknown setup `{other}`")],
        None => None,
    };
    let out = match &disk {
        Some(d) => d.mount_point.path().join("out"),
        None => scratch.path().join("out"),
    };
    let out_text = out.display().to_string();
    let mut args: Vec<String> = vec!["extract".into(), "--quiet".into()];
    args.extend(case.args.iter().map(|a| a.replace("{out}", &out_text)));
    if !case.args.iter().any(|a| a == "--out") {
        args.extend(["--out".to_string(), out_text.clone()]);
    }
    let output = match Command::new(binary).args(&args).current_dir(cwd).env_remove("RUST_BACKTRACE").env_remove("LIFECIRCLE_LOG").output() {
        Ok(o) => o,
        Err(e) => return vec![format!("cannot run the binary: {e}")],
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code();
    if code != Some(case.exit) {
        problems.push(format!("exit code {code:?}, expected {}", case.exit));
    }
    for panic_text in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if stderr.contains(panic_text) {
            problems.push(format!("panic text `{panic_text}` in stderr"));
        }
    }
    let names = case.names.replace("{out}", &out_text);
    if !names.is_empty() && !stderr.contains(&names) {
        problems.push(format!("the message does not name `{names}`"));
    }
    for want in &case.stderr {
        let want = want.replace("{out}", &out_text);
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks `{want}`"));
        }
    }
    for unwanted in &case.stderr_absent {
        if stderr.contains(unwanted.as_str()) {
            problems.push(format!("stderr holds `{unwanted}`"));
        }
    }
    if case.exit == 0 {
        if !stderr.trim().is_empty() {
            problems.push("a successful --quiet run printed on stderr".into());
        }
        if !case.rejects.is_empty() {
            check_rejects(case, &out, &mut problems);
        }
        for (file, want) in &case.outputs {
            match std::fs::read_to_string(out.join(file)) {
                Ok(text) if text.contains(want.as_str()) => {}
                Ok(_) => problems.push(format!("{file} lacks `{want}`")),
                Err(e) => problems.push(format!("cannot read {file}: {e}")),
            }
        }
    } else if out.starts_with(scratch.path()) || disk.is_some() {
        // A failed run may have created the folder, but must leave nothing in it: no layer, no
        // temporary `*.tmp-*`, no staging folder, no write probe.
        let left = entries(&out);
        if !left.is_empty() {
            problems.push(format!("the failed run left {left:?} in the output folder"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was:\n{}", stderr.trim_end()));
    }
    problems
}

/// Every expected reject is in `rejects.geojson` with its reason, and every reject has a `reason_code` the
/// engine knows (the code its reason starts with, which the catalogue names for a reader).
fn check_rejects(case: &Case, out: &Path, problems: &mut Vec<String>) {
    let json: serde_json::Value = match std::fs::read_to_string(out.join("rejects.geojson")).map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("rejects.geojson unreadable: {e}"));
            return;
        }
    };
    let found: Vec<(String, String)> = json["features"]
        .as_array()
        .map(|fs| fs.iter().map(|f| (f["properties"]["source_id"].as_str().unwrap_or("").to_string(), f["properties"]["reason"].as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    for f in json["features"].as_array().into_iter().flatten() {
        let code = f["properties"]["reason_code"].as_str().and_then(lifecircle::model::RejectCode::from_key);
        let reason = f["properties"]["reason"].as_str().unwrap_or("");
        if code.is_none_or(|c| !reason.starts_with(&format!("{}: ", c.key()))) {
            problems.push(format!("reject without a known reason_code: {}", f["properties"]));
        }
    }
    for (id, reason) in &case.rejects {
        if !found.iter().any(|(fid, freason)| fid == id && freason.contains(reason.as_str())) {
            problems.push(format!("no reject `{id}` with reason containing `{reason}` (rejects: {found:?})"));
        }
    }
    let zh = lifecircle::lang::Catalogue::of(lifecircle::lang::Lang::Zh);
    for (id, words) in &case.rejects_zh {
        let worded: Vec<String> = found.iter().filter(|(fid, _)| fid == id).map(|(_, r)| lifecircle::write::reject_reasons::reason_text_in(r, zh)).collect();
        if !worded.iter().any(|w| w.contains(words.as_str())) {
            problems.push(format!("reject `{id}` does not read `{words}` in Chinese: {worded:?}"));
        }
    }
}

#[test]
fn every_bad_input_case_fails_cleanly_or_lands_in_rejects() {
    let dir = corpus_dir();
    let manifest: Manifest = toml::from_str(&std::fs::read_to_string(dir.join("cases.toml")).expect("cases.toml")).expect("cases.toml parses");
    assert!(manifest.case.len() >= 30, "the corpus has {} cases", manifest.case.len());
    let mut names: Vec<&str> = manifest.case.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), manifest.case.len(), "case names repeat");
    let binary = Path::new(env!("CARGO_BIN_EXE_lifecircle"));
    let failures: Vec<String> = manifest
        .case
        .iter()
        .filter_map(|case| {
            let problems = check_case(case, binary, &dir);
            (!problems.is_empty()).then(|| format!("case `{}` ({}):\n  {}", case.name, case.args.join(" "), problems.join("\n  ")))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), manifest.case.len(), failures.join("\n\n"));
}

/// `batch --areas` with two areas sharing an id: exit 2, naming the file and the id, before any area runs
/// (no area folder is made).
#[test]
fn batch_with_a_repeated_area_id_is_refused_naming_it() {
    let dir = corpus_dir();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["batch", "--quiet", "--areas", "files/areas_duplicate_ids.geojson", "--estates", "files/estates_ok.geojson", "--out"])
        .arg(&out)
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("files/areas_duplicate_ids.geojson") && stderr.contains("area ids occur more than once: A1"), "{stderr}");
    assert!(!stderr.contains("A2"), "A2 is not repeated: {stderr}");
    assert!(!out.join("A1").exists() && !out.join("A2").exists());
}
