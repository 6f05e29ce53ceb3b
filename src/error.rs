//! The engine's error type and its exit codes: 2 when the user's input is at fault (the message names the
//! file, the feature and what to do), 1 when lifecircle itself failed.

use std::path::Path;

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

    pub fn output(path: impl AsRef<Path>, problem: impl ToString) -> Error {
        Error::Output { path: path.as_ref().display().to_string(), problem: problem.to_string() }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Usage(_) | Error::Output { .. } => 2,
            Error::Internal(_) => 1,
        }
    }
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
