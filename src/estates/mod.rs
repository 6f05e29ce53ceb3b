//! The step after reading: estates derived from what was read. Residential areas crossed by public
//! streets are split into blocks (居住街坊, [`blocks`]); residential buildings left outside every
//! mapped estate are grouped into estates of their own ([`clusters`]); each estate's population is
//! estimated from the floor area of its residential buildings ([`population`]) where no survey or layer
//! figure gives it (unknown, not 0, where no building stands); estates in campus, hospital, military or
//! industrial grounds and estates above the plausibility limits are noted ([`plausibility`]). The walk-up
//! buildings of old estates where a lift could be added are listed by [`lifts`].
//!
//! ```no_run
//! use lifecircle::profile::Profile;
//! let profile = Profile::default_profile();
//! let mut extract = lifecircle::read::osm::read_osm("data/nanjing-xuanwu-2021.osm.pbf".as_ref(), &profile, None)?;
//! let mapped = extract.dataset.estates.len();
//! lifecircle::estates::derive_estates(&mut extract, &profile);
//! assert!(extract.dataset.estates.len() > mapped); // building clusters became estates
//! # Ok::<(), lifecircle::Error>(())
//! ```

pub mod blocks;
pub mod clusters;
pub mod plausibility;
pub mod lifts;
pub mod population;

use crate::profile::Profile;
use crate::read::osm::OsmExtract;

/// The estates step on an OpenStreetMap extract: residential areas split into blocks along public
/// streets, residential buildings outside every mapped estate
/// clustered into estates (those in too small a cluster rejected as `cluster_too_small`), then every
/// estate's population estimated from floor area; the extract's counts follow.
pub fn derive_estates(extract: &mut OsmExtract, profile: &Profile) {
    let data = &mut extract.dataset;
    data.estates = blocks::split_into_blocks(std::mem::take(&mut data.estates), &data.ways, profile);
    let clustered = clusters::cluster_estates(&data.buildings, &data.estates, &data.ways, &profile.population, &extract.stats.file);
    data.estates.extend(clustered.estates);
    data.rejects.extend(clustered.rejects);
    population::estimate_population(&mut data.estates, &data.buildings, &profile.population);
    plausibility::note_grounds(&mut data.estates, &data.protected_land);
    plausibility::note_implausible(&mut data.estates, &profile.estates);
    extract.recount(profile);
}
