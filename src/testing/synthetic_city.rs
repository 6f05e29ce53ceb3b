//! A clearly synthetic, seeded city for benchmarks, scale tests and the `synthetic_city` example: a
//! perturbed street grid with walled estates in its blocks and facilities scattered over it. No real place;
//! not for analysis.
//!
//! - Junctions on a `columns × rows` grid, `spacing_m` apart, each moved by up to `jitter_m` in x and y.
//! - Streets along every grid row and column, cut into ways of 5–20 blocks, 2 % of block sides missing;
//!   highway values mixed (residential, tertiary, footway, living_street).
//! - Estates in distinct random blocks (or, with `estate_clusters`, blocks around a few centres, as old
//!   neighbourhoods are), each the block inset by 3 m. Half are gated: one gate on the
//!   south wall and a private internal road from it to the centre (a compound way). A fifth of the others
//!   have a public footway crossing them diagonally between two junctions.
//! - Facilities at random points (one in five an area of 30 × 30 m) over the given categories, with a
//!   capacity on every other one. A category listed twice is drawn twice as often: that is how callers set
//!   realistic relative densities (many shops, few hospitals).
//! - Housing: three 6-to-33-storey slabs (`building=residential`) in every estate, levels chosen so that floor
//!   area / 33 m² per person gives back the estate's population (the floor-area method of `estates/population.rs`).
//! - `idle_parcels` idle plots (`landuse=brownfield`) in blocks holding no estate: a random part of the block
//!   (30 % to 100 % of its width), so some fit a facility's land need and some do not.
//!
//! The generator is deterministic for a seed ([`SplitMix64`], Steele et al. 2014): the benchmarks in
//! `BENCHMARKS.md` and the tests name their cities by seed, so the draws must never change.
//!
//! ```
//! use lifecircle::testing::synthetic_city::{grid_city, GridCityParams};
//! let city = grid_city(&GridCityParams { columns: 20, rows: 20, estates: 30, facilities: 40, ..GridCityParams::default() }, &["kindergarten", "park"]);
//! assert_eq!(city.estates.len(), 30);
//! assert_eq!(city.facilities.len(), 40);
//! ```

use crate::model::{Building, Dataset, Estate, EstateSource, Facility, FacilityGeometry, Gate, Parcel, PopulationSource, Way};
use crate::rng::SplitMix64;
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use std::collections::{BTreeMap, HashSet};

/// The city's size.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCityParams {
    pub columns: usize,
    pub rows: usize,
    pub spacing_m: f64,
    pub jitter_m: f64,
    pub estates: usize,
    pub facilities: usize,
    /// Idle plots in blocks without an estate (generated after everything else, so adding them leaves the rest
    /// of the city unchanged).
    pub idle_parcels: usize,
    /// 0: estates in uniformly random blocks. n > 0: estates in blocks around n random centres (old
    /// neighbourhoods: estates next to each other, which is what renovation bundles are made of).
    pub estate_clusters: usize,
    pub seed: u64,
}

impl Default for GridCityParams {
    fn default() -> GridCityParams {
        GridCityParams { columns: 100, rows: 100, spacing_m: 60.0, jitter_m: 8.0, estates: 200, facilities: 500, idle_parcels: 0, estate_clusters: 0, seed: 2018 }
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn lerp(a: Coord<f64>, b: Coord<f64>, t: f64) -> Coord<f64> {
    Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) }
}

/// Generate the city (coordinates in a UTM-like frame near 500 km E, 3,500 km N).
pub fn grid_city(p: &GridCityParams, categories: &[&str]) -> Dataset {
    let mut rng = SplitMix64::new(p.seed);
    let (cols, rows) = (p.columns.max(2), p.rows.max(2));
    let origin = Coord { x: 500_000.0, y: 3_500_000.0 };
    let node: Vec<Coord<f64>> = (0..cols * rows)
        .map(|k| {
            let (i, j) = (k % cols, k / cols);
            Coord {
                x: origin.x + i as f64 * p.spacing_m + rng.range(-p.jitter_m, p.jitter_m),
                y: origin.y + j as f64 * p.spacing_m + rng.range(-p.jitter_m, p.jitter_m),
            }
        })
        .collect();
    let at = |i: usize, j: usize| node[j * cols + i];
    let mut data = Dataset::default();
    let highways = ["residential", "residential", "tertiary", "footway", "living_street"];
    let mut way_count = 0usize;
    let mut push_street = |data: &mut Dataset, coords: Vec<Coord<f64>>, rng: &mut SplitMix64| {
        if coords.len() >= 2 {
            let h = highways[rng.below(highways.len())];
            data.ways.push(Way { id: format!("street{way_count}"), line: LineString(coords), tags: tags(&[("highway", h)]) });
            way_count += 1;
        }
    };
    // Streets along rows, then columns.
    for horizontal in [true, false] {
        let (outer, inner) = if horizontal { (rows, cols) } else { (cols, rows) };
        for a in 0..outer {
            let mut coords = vec![if horizontal { at(0, a) } else { at(a, 0) }];
            let mut left = 5 + rng.below(16);
            for b in 1..inner {
                let c = if horizontal { at(b, a) } else { at(a, b) };
                if rng.next_f64() < 0.02 {
                    push_street(&mut data, std::mem::take(&mut coords), &mut rng);
                    coords.push(c);
                    left = 5 + rng.below(16);
                    continue;
                }
                coords.push(c);
                left -= 1;
                if left == 0 {
                    push_street(&mut data, std::mem::replace(&mut coords, vec![c]), &mut rng);
                    left = 5 + rng.below(16);
                }
            }
            push_street(&mut data, coords, &mut rng);
        }
    }
    // Estates in distinct blocks.
    let blocks = (cols - 1) * (rows - 1);
    let wanted = p.estates.min(blocks);
    let mut used = HashSet::with_capacity(wanted);
    // Clustered: each estate near one of the centres, within a square sized so the clusters can hold it.
    let centres: Vec<(usize, usize)> = (0..p.estate_clusters).map(|_| (rng.below(cols - 1), rng.below(rows - 1))).collect();
    let half_side = if centres.is_empty() { 0 } else { ((wanted as f64 / centres.len() as f64).sqrt() * 0.5).ceil() as usize + 1 };
    while used.len() < wanted {
        // The last tenth may fall anywhere, so full cluster squares cannot stall the loop.
        let b = if centres.is_empty() || (used.len() * 10 > wanted * 9 && rng.next_f64() < 0.5) {
            rng.below(blocks)
        } else {
            let (ci, cj) = centres[rng.below(centres.len())];
            let i = (ci + rng.below(2 * half_side + 1)).saturating_sub(half_side).min(cols - 2);
            let j = (cj + rng.below(2 * half_side + 1)).saturating_sub(half_side).min(rows - 2);
            j * (cols - 1) + i
        };
        if !used.insert(b) {
            continue;
        }
        let (i, j) = (b % (cols - 1), b / (cols - 1));
        let corners = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
        let centre = Coord { x: corners.iter().map(|c| c.x).sum::<f64>() / 4.0, y: corners.iter().map(|c| c.y).sum::<f64>() / 4.0 };
        let inset = 3.0 / (p.spacing_m * 0.5).max(6.0);
        let ring: Vec<Coord<f64>> = corners.iter().chain(std::iter::once(&corners[0])).map(|&c| lerp(c, centre, inset)).collect();
        let id = format!("estate{}", data.estates.len());
        let population = rng.range(500.0, 5000.0).round();
        data.estates.push(Estate {
            id: id.clone(),
            name: Some(format!("合成小区{}", data.estates.len())),
            polygon: MultiPolygon(vec![Polygon::new(LineString(ring.clone()), vec![])]),
            source: EstateSource::Layer,
            population,
            households: (population / 2.62).round(),
            population_source: PopulationSource::Layer,
            floor_area_m2: population * 33.0,
            n_buildings: 0,
            built_year: Some(1985 + rng.below(20) as i32),
            survey: Default::default(),
            notes: Default::default(),
        });
        if rng.next_f64() < 0.5 {
            let gate = lerp(ring[0], ring[1], 0.5);
            data.gates.push(Gate { id: format!("gate_{id}"), point: Point(gate), kind: "gate".into(), access: None });
            data.ways.push(Way { id: format!("internal_{id}"), line: LineString(vec![gate, centre]), tags: tags(&[("highway", "service"), ("access", "private")]) });
        } else if rng.next_f64() < 0.2 {
            data.ways.push(Way { id: format!("footway_{id}"), line: LineString(vec![corners[0], corners[2]]), tags: tags(&[("highway", "footway")]) });
        }
    }
    // Facilities.
    let width = (cols - 1) as f64 * p.spacing_m;
    let height = (rows - 1) as f64 * p.spacing_m;
    for f in 0..p.facilities {
        if categories.is_empty() {
            break;
        }
        let category = categories[rng.below(categories.len())];
        let c = Coord { x: origin.x + rng.range(0.0, width), y: origin.y + rng.range(0.0, height) };
        let geometry = if rng.next_f64() < 0.2 {
            let r = LineString(vec![c, Coord { x: c.x + 30.0, y: c.y }, Coord { x: c.x + 30.0, y: c.y + 30.0 }, Coord { x: c.x, y: c.y + 30.0 }, c]);
            FacilityGeometry::Area(MultiPolygon(vec![Polygon::new(r, vec![])]))
        } else {
            FacilityGeometry::Point(Point(c))
        };
        let capacity = (f % 2 == 0).then(|| rng.range(20.0, 300.0).round());
        data.facilities.push(Facility { id: format!("f{f:06}"), name: None, category: category.to_string(), geometry, capacity, matched_by: "synthetic".into() });
    }
    // Housing: three slabs per estate, no randomness (levels follow the population).
    for estate in &data.estates {
        let ring = &estate.polygon.0[0].exterior().0;
        let (south_west, south_east, north_west) = (ring[0], ring[1], ring[3]);
        let slabs = [(0.12, 0.3), (0.41, 0.59), (0.7, 0.88)];
        let footprint_m2: f64 = slabs
            .iter()
            .map(|&(a, b)| {
                let quad = slab(south_west, south_east, north_west, a, b);
                geo::Area::unsigned_area(&Polygon::new(LineString(quad.to_vec()), vec![]))
            })
            .sum();
        let levels = (estate.population * FLOOR_AREA_PER_PERSON_M2 / footprint_m2).round().clamp(6.0, 33.0);
        for (k, &(a, b)) in slabs.iter().enumerate() {
            let quad = slab(south_west, south_east, north_west, a, b);
            data.buildings.push(Building {
                id: format!("{}_b{k}", estate.id),
                footprint: MultiPolygon(vec![Polygon::new(LineString(quad.to_vec()), vec![])]),
                levels: Some(levels),
                use_: "residential".into(),
                residential: true,
                lift: None,
            });
        }
    }
    // Idle plots in free blocks.
    let wanted_idle = p.idle_parcels.min(blocks - used.len());
    let mut idle_blocks = HashSet::with_capacity(wanted_idle);
    let mut order = Vec::with_capacity(wanted_idle);
    while idle_blocks.len() < wanted_idle {
        let b = rng.below(blocks);
        if used.contains(&b) || !idle_blocks.insert(b) {
            continue;
        }
        order.push(b);
    }
    for b in order {
        let (i, j) = (b % (cols - 1), b / (cols - 1));
        let corners = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
        let centre = Coord { x: corners.iter().map(|c| c.x).sum::<f64>() / 4.0, y: corners.iter().map(|c| c.y).sum::<f64>() / 4.0 };
        let inset = 5.0 / (p.spacing_m * 0.5).max(10.0);
        let inner: Vec<Coord<f64>> = corners.iter().map(|&c| lerp(c, centre, inset)).collect();
        let share = rng.range(0.3, 1.0);
        let ring = vec![inner[0], inner[1], lerp(inner[1], inner[2], share), lerp(inner[0], inner[3], share), inner[0]];
        data.parcels.push(Parcel {
            id: format!("idle{}", data.parcels.len()),
            polygon: MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]),
            origin: "landuse=brownfield".into(),
        });
    }
    data
}

/// The floor area per resident the slab heights are derived from (the profile's default, m²).
const FLOOR_AREA_PER_PERSON_M2: f64 = 33.0;

/// A slab across the estate from its west wall to its east wall, between fractions `a` and `b` of the way
/// from the south wall to the north wall, kept 6 m off the side walls. Returned as a closed ring.
fn slab(south_west: Coord<f64>, south_east: Coord<f64>, north_west: Coord<f64>, a: f64, b: f64) -> [Coord<f64>; 5] {
    let east = Coord { x: south_east.x - south_west.x, y: south_east.y - south_west.y };
    let north = Coord { x: north_west.x - south_west.x, y: north_west.y - south_west.y };
    let width = (east.x * east.x + east.y * east.y).sqrt().max(1e-9);
    let margin = (6.0 / width).min(0.2);
    let point = |s: f64, t: f64| Coord { x: south_west.x + s * east.x + t * north.x, y: south_west.y + s * east.y + t * north.y };
    [point(margin, a), point(1.0 - margin, a), point(1.0 - margin, b), point(margin, b), point(margin, a)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_sized() {
        let p = GridCityParams { columns: 30, rows: 20, estates: 50, facilities: 60, ..GridCityParams::default() };
        let a = grid_city(&p, &["kindergarten"]);
        let b = grid_city(&p, &["kindergarten"]);
        assert_eq!(a.ways, b.ways);
        assert_eq!(a.estates, b.estates);
        assert_eq!((a.estates.len(), a.facilities.len()), (50, 60));
        // Every street vertex is a grid junction: 30 x 20 distinct coordinates.
        let streets: HashSet<(u64, u64)> =
            a.ways.iter().filter(|w| w.id.starts_with("street")).flat_map(|w| w.line.0.iter().map(|c| (c.x.to_bits(), c.y.to_bits()))).collect();
        assert_eq!(streets.len(), 600);
    }

    #[test]
    fn slab_heights_give_back_the_population_and_idle_plots_avoid_estates() {
        use geo::{Area, Intersects};
        let p = GridCityParams { columns: 30, rows: 30, estates: 60, facilities: 10, idle_parcels: 40, ..GridCityParams::default() };
        let city = grid_city(&p, &["park"]);
        // Adding idle plots leaves the rest of the city as it was.
        let without = grid_city(&GridCityParams { idle_parcels: 0, ..p.clone() }, &["park"]);
        assert_eq!((city.ways.clone(), city.estates.clone(), city.facilities.clone()), (without.ways, without.estates, without.facilities));
        assert_eq!(city.buildings.len(), 180);
        assert_eq!(city.parcels.len(), 40);
        for (estate, pair) in city.estates.iter().zip(city.buildings.chunks(3)) {
            let floor_m2: f64 = pair.iter().map(|b| b.footprint.unsigned_area() * b.levels.unwrap()).sum();
            let levels = pair[0].levels.unwrap();
            // Levels are rounded and clamped to 6..33: the estimate is within half a storey unless clamped.
            if levels > 6.0 && levels < 33.0 {
                let per_level = floor_m2 / levels;
                assert!((floor_m2 / FLOOR_AREA_PER_PERSON_M2 - estate.population).abs() <= 0.5 * per_level / FLOOR_AREA_PER_PERSON_M2 + 1e-6);
            }
            assert!(pair.iter().all(|b| estate.polygon.intersects(&b.footprint)));
        }
        for parcel in &city.parcels {
            assert!(parcel.polygon.unsigned_area() > 300.0, "{} is too small", parcel.id);
            assert!(city.estates.iter().all(|e| !e.polygon.intersects(&parcel.polygon)), "{} overlaps an estate", parcel.id);
        }
    }

    #[test]
    fn clustered_estates_have_neighbours() {
        use geo::Centroid;
        let share_with_neighbour = |clusters: usize| {
            let p = GridCityParams { columns: 60, rows: 60, estates: 120, facilities: 0, estate_clusters: clusters, ..GridCityParams::default() };
            let city = grid_city(&p, &[]);
            assert_eq!(city.estates.len(), 120);
            let c: Vec<_> = city.estates.iter().map(|e| e.polygon.centroid().unwrap()).collect();
            // A neighbouring block's estate has its centre about one spacing (60 m) away.
            let with = c.iter().filter(|a| c.iter().any(|b| a != &b && (a.x() - b.x()).hypot(a.y() - b.y()) < 90.0)).count();
            with as f64 / c.len() as f64
        };
        let (uniform, clustered) = (share_with_neighbour(0), share_with_neighbour(4));
        // 120 of 3,481 blocks: a uniform estate has an estate among its 8 neighbours with p ≈ 1 - (1 - 0.034)^8 ≈ 0.24.
        assert!(uniform < 0.45, "{uniform}");
        assert!(clustered > 0.75, "{clustered}");
    }
}
