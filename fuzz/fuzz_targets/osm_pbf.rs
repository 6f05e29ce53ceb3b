//! Fuzz the OpenStreetMap PBF reader: `read_osm_bytes` (blob framing, zlib, protobuf decoding, then
//! classification, node resolution, projection, multipolygon assembly, repair, clustering and the
//! population estimate) on arbitrary bytes with the default profile.
//!
//! `osmpbf` panics on a few corrupt blobs; `pbf.rs` decodes each blob under `catch_unwind` and turns such
//! a panic into an input error. libfuzzer-sys installs a panic hook that aborts on *every* panic, caught
//! or not, so this target puts the standard hook back: a panic the reader catches is then handled as it
//! is in the real program, and a panic that escapes `read_osm_bytes` still aborts (libfuzzer-sys aborts
//! when the target unwinds) and is reported as a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifecircle::read::osm::read_osm_bytes;
use lifecircle::profile::Profile;
use std::path::Path;
use std::sync::OnceLock;

static PROFILE: OnceLock<Profile> = OnceLock::new();
static STANDARD_PANIC_HOOK: OnceLock<()> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    STANDARD_PANIC_HOOK.get_or_init(|| drop(std::panic::take_hook()));
    let profile = PROFILE.get_or_init(Profile::default_profile);
    if let Ok(mut extract) = read_osm_bytes(Path::new("fuzz.osm.pbf"), data, profile, None) {
        lifecircle::estates::derive_estates(&mut extract, profile);
    }
});
