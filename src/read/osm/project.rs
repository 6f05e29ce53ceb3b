//! Stage 4 of the OpenStreetMap read: choose the working CRS and project the nodes that are used, each
//! once. Without a CRS given, the UTM zone of the median longitude and latitude of the used nodes (a few
//! far-reaching relation members cannot pull a median away as they would a bounding box). One PROJ
//! transformer per rayon worker; a node out of range or that PROJ cannot map stays NaN, for its element's
//! `unprojectable_node` reject.

use super::pbf::RawOsm;
use super::resolve::Elements;
use crate::crs::{Transformer, WorkingCrs};
use crate::error::Result;
use geo_types::Coord;
use rayon::prelude::*;

pub(super) fn used_nodes(raw: &RawOsm, elements: &Elements<'_, '_>) -> Vec<bool> {
    let mut used = vec![false; raw.nodes.ids.len()];
    for n in &elements.nodes {
        if let Some(p) = n.position {
            used[p as usize] = true;
        }
    }
    for w in &elements.ways {
        match &w.positions {
            Ok(positions) => positions.iter().for_each(|&p| used[p as usize] = true),
            // A line the extract cut keeps its longest run of nodes present (mod.rs, `clipped_way`).
            Err(m) => m.longest_run.1.iter().for_each(|&p| used[p as usize] = true),
        }
    }
    for r in &elements.relations {
        if let Ok(members) = &r.members {
            members.iter().flat_map(|m| &m.positions).for_each(|&p| used[p as usize] = true);
        }
    }
    used
}

fn valid_lon_lat(lon_e7: i32, lat_e7: i32) -> bool {
    (-1_800_000_000..=1_800_000_000).contains(&lon_e7) && (-900_000_000..=900_000_000).contains(&lat_e7)
}

/// The UTM zone of the median longitude and latitude of the used nodes (all nodes when none is used).
pub(super) fn centre_crs(raw: &RawOsm, used: &[bool]) -> Option<WorkingCrs> {
    let pick = |only_used: bool| -> (Vec<i32>, Vec<i32>) {
        (0..raw.nodes.ids.len())
            .filter(|&i| (!only_used || used[i]) && valid_lon_lat(raw.nodes.lon_e7[i], raw.nodes.lat_e7[i]))
            .map(|i| (raw.nodes.lon_e7[i], raw.nodes.lat_e7[i]))
            .unzip()
    };
    let (mut lons, mut lats) = pick(true);
    if lons.is_empty() {
        (lons, lats) = pick(false);
    }
    if lons.is_empty() {
        return None;
    }
    let mid = lons.len() / 2;
    let lon = *lons.select_nth_unstable(mid).1;
    let lat = *lats.select_nth_unstable(mid).1;
    Some(WorkingCrs::utm_for(f64::from(lon) * 1e-7, f64::from(lat) * 1e-7))
}

const UNPROJECTED: Coord<f64> = Coord { x: f64::NAN, y: f64::NAN };

/// Projected coordinates of the used nodes (NaN for unused nodes and for those PROJ cannot map).
pub(super) fn project_nodes(raw: &RawOsm, used: &[bool], crs: WorkingCrs) -> Result<Vec<Coord<f64>>> {
    Transformer::from_wgs84(crs)?; // fail early, on this thread, for a CRS PROJ does not know
    let mut projected = vec![UNPROJECTED; raw.nodes.ids.len()];
    const CHUNK: usize = 1 << 14;
    projected.par_chunks_mut(CHUNK).enumerate().try_for_each(|(chunk, out)| {
        Transformer::with_from_wgs84(crs, |t| {
            for (k, slot) in out.iter_mut().enumerate() {
                let i = chunk * CHUNK + k;
                if used[i] && valid_lon_lat(raw.nodes.lon_e7[i], raw.nodes.lat_e7[i]) {
                    let (lon, lat) = raw.nodes.lon_lat(i);
                    if let Ok(c) = t.coord(Coord { x: lon, y: lat }) {
                        *slot = c;
                    }
                }
            }
        })
    })?;
    Ok(projected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinate_range() {
        assert!(valid_lon_lat(1_187_800_000, 320_400_000));
        assert!(!valid_lon_lat(1_900_000_000, 0));
        assert!(!valid_lon_lat(0, -910_000_000));
    }
}
