//! How a run was made, so that a plan handed over today can be reproduced a year later: the lifecircle
//! version and git commit it was built from, the full command line, the rule profile (name and SHA-256 of
//! its TOML text), every input file (path, size, SHA-256), the working CRS and the date (UTC).
//!
//! It is written into every subcommand's JSON (`provenance`), the report's footer, the Excel workbook's
//! 说明/About sheet and the GeoPackage's metadata (`gpkg_metadata`), and read back by `lifecircle rerun`
//! ([`crate::pipeline::rerun`]), which checks the inputs still have their checksums.
//!
//! The date is the only value that changes from one identical run to the next; `SOURCE_DATE_EPOCH`
//! (seconds since 1970, the reproducible-builds convention) fixes it, as the determinism tests do.
//!
//! ```
//! use lifecircle::provenance::{sha256_hex, utc_date_time};
//! assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//! assert_eq!(utc_date_time(0), "1970-01-01T00:00:00Z");
//! assert_eq!(utc_date_time(1_700_000_000), "2023-11-14T22:13:20Z");
//! ```

use crate::error::{Error, Result};
use crate::pipeline::load::InputSpec;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The git commit the binary was built from (`build.rs`), or `unknown`.
pub const GIT_COMMIT: &str = env!("LIFECIRCLE_GIT_COMMIT");

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The flag it was given with (`osm`, `estates`, `layers`, `survey`, `profile` ...).
    pub role: String,
    /// The path as given (a `--layers` folder lists each file in it; `FILE|layername=x` gives FILE).
    pub path: String,
    pub size_bytes: u64,
    pub sha256: String,
}

/// The rule profile a run used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileId {
    /// The profile's `name`.
    pub name: String,
    /// The file given with `--profile`, or `embedded` for the built-in GB 50180-2018 profile.
    pub source: String,
    /// SHA-256 of the profile's TOML text.
    pub sha256: String,
}

/// How a run was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub lifecircle_version: String,
    pub git_commit: String,
    /// The command line, program name first, as the process received it.
    pub command_line: Vec<String>,
    /// The working directory the command line's relative paths are relative to.
    pub working_directory: String,
    pub profile: ProfileId,
    pub inputs: Vec<InputFile>,
    /// The working CRS, e.g. `EPSG:32650`.
    pub crs: String,
    /// When the run was made, ISO 8601 UTC (`SOURCE_DATE_EPOCH` when set).
    pub created_utc: String,
    /// Who walked, when distances were walked (`--walker`; `adult` by default, `+ elderly, wheelchair`
    /// with `--walker-compare`); absent for runs that measured no distance (`extract`, `bundle`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walker: Option<String>,
    /// For a `lifecircle rerun`: which run it repeats, and with `--force` which inputs differed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The command line and notes a `rerun` records instead of its own (set once, before the repeated run).
static RERUN: std::sync::OnceLock<(Vec<String>, Vec<String>)> = std::sync::OnceLock::new();

/// Record, for this process, that it repeats an earlier run: `command_line` is what is run, `notes` say
/// from what and what differed. Later calls are ignored.
pub fn set_rerun(command_line: Vec<String>, notes: Vec<String>) {
    let _ = RERUN.set((command_line, notes));
}

impl Provenance {
    /// The provenance of this process's run over `spec`, whose data were projected to `crs`.
    pub fn of_run(spec: &InputSpec, profile_name: &str, crs: &str) -> Result<Provenance> {
        let profile = match &spec.profile {
            Some(path) => ProfileId { name: profile_name.to_string(), source: path.display().to_string(), sha256: file_sha256(path)?.1 },
            None => ProfileId { name: profile_name.to_string(), source: "embedded".to_string(), sha256: sha256_hex(crate::profile::DEFAULT_PROFILE_TOML.as_bytes()) },
        };
        Ok(Provenance {
            lifecircle_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: GIT_COMMIT.to_string(),
            command_line: RERUN.get().map_or_else(|| std::env::args().collect(), |(args, _)| args.clone()),
            working_directory: std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
            profile,
            inputs: input_files(spec)?,
            crs: crs.to_string(),
            created_utc: utc_date_time(run_time_seconds()),
            walker: None,
            notes: RERUN.get().map(|(_, notes)| notes.clone()).unwrap_or_default(),
        })
    }

    /// Record an input file the analysis options name rather than the data flags (`--dem`), with its
    /// size and checksum, once. A raster can be gigabytes and a `batch` records it for every area: its
    /// checksum is taken once per process, again only if the file's size or modification time changed.
    pub fn record_input(&mut self, role: &str, path: &Path) -> Result<()> {
        if self.inputs.iter().any(|i| i.role == role && Path::new(&i.path) == path) {
            return Ok(());
        }
        type Taken = std::collections::HashMap<PathBuf, (u64, Option<std::time::SystemTime>, String)>;
        static TAKEN: std::sync::OnceLock<std::sync::Mutex<Taken>> = std::sync::OnceLock::new();
        let stamp = std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
        let taken = TAKEN.get_or_init(Default::default);
        let known = taken.lock().ok().and_then(|t| t.get(path).filter(|(size, modified, _)| Some((*size, *modified)) == stamp).map(|(size, _, sha)| (*size, sha.clone())));
        let (size_bytes, sha256) = match known {
            Some(known) => known,
            None => {
                let (size, sha) = file_sha256(path)?;
                if let (Ok(mut t), Some((_, modified))) = (taken.lock(), stamp) {
                    t.insert(path.to_path_buf(), (size, modified, sha.clone()));
                }
                (size, sha)
            }
        };
        self.inputs.push(InputFile { role: role.to_string(), path: path.display().to_string(), size_bytes, sha256 });
        Ok(())
    }

    /// The lines shown in the report's footer and the workbook's About sheet: (catalogue key of the label
    /// in `[provenance]` of `data/lang/*.toml`, value).
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![
            ("provenance.version", format!("{} ({})", self.lifecircle_version, self.git_commit)),
            ("provenance.command", self.command_line.join(" ")),
            ("provenance.working_directory", self.working_directory.clone()),
            ("provenance.profile", format!("{} ({}): {}", self.profile.name, self.profile.source, self.profile.sha256)),
        ];
        for input in &self.inputs {
            rows.push(("provenance.input", format!("--{} {} ({} bytes): {}", input.role.replace('_', "-"), input.path, input.size_bytes, input.sha256)));
        }
        rows.push(("provenance.crs", self.crs.clone()));
        if let Some(walker) = &self.walker {
            rows.push(("provenance.walker", walker.clone()));
        }
        rows.push(("provenance.date", self.created_utc.clone()));
        rows.extend(self.notes.iter().map(|n| ("provenance.note", n.clone())));
        rows
    }
}

/// Every input file of `spec`, in flag order.
pub fn input_files(spec: &InputSpec) -> Result<Vec<InputFile>> {
    let flags: [(&str, &Option<PathBuf>); 13] = [
        ("osm", &spec.osm),
        ("layers", &spec.layers),
        ("estates", &spec.estates),
        ("facilities", &spec.facilities),
        ("network", &spec.network),
        ("gates", &spec.gates),
        ("buildings", &spec.buildings),
        ("idle_land", &spec.idle_land),
        ("barriers", &spec.barriers),
        ("boundaries", &spec.boundaries),
        ("protected_land", &spec.protected_land),
        ("survey", &spec.survey),
        ("profile", &spec.profile),
    ];
    let mut files = Vec::new();
    for (role, path) in flags {
        let Some(path) = path else { continue };
        for file in files_of(path)? {
            let (size_bytes, sha256) = file_sha256(&file)?;
            files.push(InputFile { role: role.to_string(), path: file.display().to_string(), size_bytes, sha256 });
        }
    }
    Ok(files)
}

/// The files a path given on the command line stands for: a folder's regular files (sorted), a
/// Shapefile's sidecar files (.dbf .shx .prj .cpg) with it, `FILE|layername=x` as FILE.
fn files_of(given: &Path) -> Result<Vec<PathBuf>> {
    let text = given.to_string_lossy();
    let path = match text.split_once('|') {
        Some((file, _)) => PathBuf::from(file),
        None => given.to_path_buf(),
    };
    if path.is_dir() {
        let entries = std::fs::read_dir(&path).map_err(|e| Error::input(&path, format!("cannot list the folder: {e}"), "check the path"))?;
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
        files.sort();
        return Ok(files);
    }
    let mut files = vec![path.clone()];
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) {
        files.extend(["dbf", "shx", "prj", "cpg"].iter().map(|ext| path.with_extension(ext)).filter(|p| p.is_file()));
    }
    Ok(files)
}

/// The size and SHA-256 (lower-case hex) of a file, read in 1 MiB blocks.
pub fn file_sha256(path: &Path) -> Result<(u64, String)> {
    let io = |e: std::io::Error| Error::input(path, format!("cannot be read to take its checksum: {e}"), "check the path and its permissions");
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((size, hex(&hasher.finalize())))
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since 1970 (UTC) of this run: `SOURCE_DATE_EPOCH` when set to a number, else the clock.
pub fn run_time_seconds() -> i64 {
    if let Some(fixed) = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<i64>().ok()) {
        return fixed;
    }
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(_) => 0,
    }
}

/// ISO 8601 UTC (`YYYY-MM-DDTHH:MM:SSZ`) of seconds since 1970 ([`crate::calendar::civil_from_days`]).
pub fn utc_date_time(seconds: i64) -> String {
    let secs = seconds.rem_euclid(86_400);
    let (year, month, day) = crate::calendar::civil_from_days(seconds.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_input_is_hashed_once_and_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let dem = dir.path().join("dem.tif");
        std::fs::write(&dem, b"abc").unwrap();
        let mut first = Provenance::default();
        first.record_input("dem", &dem).unwrap();
        first.record_input("dem", &dem).unwrap();
        assert_eq!(first.inputs.len(), 1, "recorded once");
        assert_eq!((first.inputs[0].size_bytes, first.inputs[0].sha256.as_str()), (3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        // Another run's provenance (a batch's next area) gets the same record.
        let mut second = Provenance::default();
        second.record_input("dem", &dem).unwrap();
        assert_eq!(second.inputs, first.inputs);
        // A changed file is hashed again, never served stale.
        std::fs::write(&dem, b"abcd").unwrap();
        let mut third = Provenance::default();
        third.record_input("dem", &dem).unwrap();
        assert_eq!((third.inputs[0].size_bytes, third.inputs[0].sha256.clone()), (4, sha256_hex(b"abcd")));
    }

    #[test]
    fn dates_by_hand() {
        assert_eq!(utc_date_time(951_782_400), "2000-02-29T00:00:00Z"); // a leap day of a century leap year
        assert_eq!(utc_date_time(1_798_761_599), "2026-12-31T23:59:59Z");
        assert_eq!(utc_date_time(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn input_files_have_size_and_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let osm = dir.path().join("a.osm.pbf");
        std::fs::write(&osm, b"abc").unwrap();
        let layers = dir.path().join("layers");
        std::fs::create_dir(&layers).unwrap();
        std::fs::write(layers.join("b.geojson"), b"").unwrap();
        std::fs::write(layers.join("a.geojson"), b"abc").unwrap();
        let spec = InputSpec { osm: Some(osm.clone()), layers: Some(layers.clone()), ..InputSpec::default() };
        let files = input_files(&spec).unwrap();
        let got: Vec<(&str, String, u64, &str)> = files.iter().map(|f| (f.role.as_str(), f.path.clone(), f.size_bytes, &f.sha256[..8])).collect();
        assert_eq!(
            got,
            [
                ("osm", osm.display().to_string(), 3, "ba7816bf"),
                ("layers", layers.join("a.geojson").display().to_string(), 3, "ba7816bf"),
                ("layers", layers.join("b.geojson").display().to_string(), 0, "e3b0c442"),
            ]
        );
        let missing = InputSpec { osm: Some(dir.path().join("none.pbf")), ..InputSpec::default() };
        assert!(matches!(input_files(&missing), Err(Error::Input { .. })));
    }
}
