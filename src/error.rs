//! The engine's error type and its exit codes: 2 when the user's input is at fault (the message names the
//! file, the feature and what to do), 1 when lifecircle itself failed.

use std::path::Path;

/// The name of a run's hidden staging folder (`src/write/atomic.rs`), followed by its pid.
pub(crate) const STAGE_PREFIX: &str = ".lifecircle-staging-";

/// An error that stops a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is at fault: a missing, empty, truncated or wrong-format file, an unknown CRS, a bad value.
    #[error("{file}: {problem}{}{}", feature.as_ref().map(|f| format!(" (feature {f})")).unwrap_or_default(), hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Input { file: String, feature: Option<String>, problem: String, hint: Option<String> },
    /// A command-line value is unusable.
    #[error("{0}")]
    Usage(String),
    /// An output could not be written (not writable, disk full ...).
    #[error("cannot write {path}: {problem}\n  hint: check that the folder exists, is writable and has free space")]
    Output { path: String, problem: String },
    /// lifecircle itself failed; a bug to report.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A problem with an input file as a whole.
    pub fn input(file: impl AsRef<Path>, problem: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Input { file: file.as_ref().display().to_string(), feature: None, problem: problem.into(), hint: Some(hint.into()) }
    }

    /// A problem with one feature of an input file.
    pub fn feature(file: impl AsRef<Path>, feature: impl Into<String>, problem: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Input { file: file.as_ref().display().to_string(), feature: Some(feature.into()), problem: problem.into(), hint: Some(hint.into()) }
    }

    ///
    /// A path inside a run's hidden staging folder is named by where the file was going
    /// (`out/.lifecircle-staging-42/estates.geojson` → `out/estates.geojson`): the planner knows the
    /// output folder, not the stage. A full disk is said in words, naming the output folder.
    ///
    /// ```
    /// let e = lifecircle::Error::output("out/.lifecircle-staging-42/geojson/estates.geojson", "No space left on device (os error 28)");
    /// assert_eq!(
    ///     e.to_string().lines().next().unwrap(),
    ///     "cannot write out/geojson/estates.geojson: the disk holding the output folder out is full (No space left on device (os error 28))"
    /// );
    /// ```
    pub fn output(path: impl AsRef<Path>, problem: impl ToString) -> Error {
        let path = path.as_ref();
        let (shown, folder) = match path.components().position(|c| c.as_os_str().to_string_lossy().starts_with(STAGE_PREFIX)) {
            Some(i) => {
                let folder: std::path::PathBuf = path.components().take(i).collect();
                let after: std::path::PathBuf = path.components().skip(i + 1).collect();
                (if after.as_os_str().is_empty() { folder.clone() } else { folder.join(after) }, Some(folder))
            }
            None => (path.to_path_buf(), path.parent().map(Path::to_path_buf)),
        };
        let mut problem = without_stage(&problem.to_string());
        if problem.contains("No space left on device") || problem.contains("os error 28") || problem.contains("Disk quota exceeded") {
            let folder = folder.filter(|f| !f.as_os_str().is_empty()).unwrap_or_else(|| ".".into());
            problem = format!("the disk holding the output folder {} is full ({problem})", folder.display());
        }
        Error::Output { path: shown.display().to_string(), problem }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Usage(_) | Error::Output { .. } => 2,
            Error::Internal(_) => 1,
        }
    }
}

/// `text` with every `/.lifecircle-staging-<pid>` path component taken out (`out/.lifecircle-staging-42/a`
/// → `out/a`), for messages that quote a staged file's path.
fn without_stage(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let marker = format!("{}{STAGE_PREFIX}", std::path::MAIN_SEPARATOR);
    while let Some(at) = rest.find(&marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len()..];
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

impl From<crate::profile::ProfileError> for Error {
    fn from(e: crate::profile::ProfileError) -> Error {
        match e {
            crate::profile::ProfileError::Read { path, source } if source.kind() == std::io::ErrorKind::InvalidData => Error::input(
                path,
                "the profile is not UTF-8 text (TOML files must be UTF-8; GBK text is not read)",
                "save the profile as UTF-8 (in Notepad: Save as, encoding UTF-8)",
            ),
            crate::profile::ProfileError::Read { path, source } => Error::input(path, source.to_string(), "pass --profile with the path of a readable TOML profile"),
            crate::profile::ProfileError::Parse { path, message } | crate::profile::ProfileError::Invalid { path, message } => {
                Error::input(path, message, "compare with data/profiles/gb50180.toml, the default profile")
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_path_is_named_by_its_destination() {
        let e = Error::output("/data/out/.lifecircle-staging-7/lifecircle.gpkg", "cannot create /data/out/.lifecircle-staging-7/lifecircle.gpkg.tmp-7: denied");
        let Error::Output { path, problem } = &e else { panic!("{e:?}") };
        assert_eq!(path, "/data/out/lifecircle.gpkg");
        assert_eq!(problem, "cannot create /data/out/lifecircle.gpkg.tmp-7: denied");
        // The stage folder itself is the output folder.
        let e = Error::output("/data/out/.lifecircle-staging-7", "Permission denied (os error 13)");
        assert!(e.to_string().starts_with("cannot write /data/out: Permission denied"), "{e}");
    }

    #[test]
    fn a_full_disk_names_the_output_folder() {
        let e = Error::output("/mnt/small/out/.lifecircle-staging-99/geojson/network.geojson", std::io::Error::from_raw_os_error(28));
        let text = e.to_string();
        assert!(text.starts_with("cannot write /mnt/small/out/geojson/network.geojson: the disk holding the output folder /mnt/small/out is full ("), "{text}");
        assert!(!text.contains("staging"), "{text}");
        // Outside a stage, the folder is the file's parent.
        let e = Error::output("/mnt/small/summary.csv", "No space left on device (os error 28)");
        assert!(e.to_string().contains("the disk holding the output folder /mnt/small is full"), "{e}");
        assert_eq!(e.exit_code(), 2);
    }
}
