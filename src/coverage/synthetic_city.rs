//! A clearly synthetic, seeded city for benchmarks and scale tests: a perturbed street grid with walled
//! estates in its blocks and facilities scattered over it. No real place; not for analysis.
//!
//! - Junctions on a `columns × rows` grid, `spacing_m` apart, each moved by up to `jitter_m` in x and y.
//! - Streets along every grid row and column, cut into ways of 5–20 blocks, 2 % of block sides missing;
//!   highway values mixed (residential, tertiary, footway, living_street).
//! - Estates in distinct random blocks, each the block inset by 3 m. Half are gated: one gate on the
//!   south wall and a private internal road from it to the centre (a compound way). A fifth of the others
//!   have a public footway crossing them diagonally between two junctions.
//! - Facilities at random points (one in five an area of 30 × 30 m) over the given categories, with a
//!   capacity on every other one.
//!
//! The generator is deterministic for a seed (SplitMix64, Steele et al. 2014).
//!
//! ```
//! use lifecircle::coverage::synthetic_city::{grid_city, GridCityParams};
//! let city = grid_city(&GridCityParams { columns: 20, rows: 20, estates: 30, facilities: 40, ..GridCityParams::default() }, &["kindergarten", "park"]);
//! assert_eq!(city.estates.len(), 30);
//! assert_eq!(city.facilities.len(), 40);
//! ```

use crate::model::{Dataset, Estate, EstateSource, Facility, FacilityGeometry, Gate, PopulationSource, Way};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use std::collections::{BTreeMap, HashSet};

/// SplitMix64: a tiny seeded pseudo-random generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// The city's size.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCityParams {
    pub columns: usize,
    pub rows: usize,
    pub spacing_m: f64,
    pub jitter_m: f64,
    pub estates: usize,
    pub facilities: usize,
    pub seed: u64,
}

impl Default for GridCityParams {
    fn default() -> GridCityParams {
        GridCityParams { columns: 100, rows: 100, spacing_m: 60.0, jitter_m: 8.0, estates: 200, facilities: 500, seed: 2018 }
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
    let mut rng = SplitMix64(p.seed);
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
    while used.len() < wanted {
        let b = rng.below(blocks);
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
    data
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
    fn splitmix_is_uniform_enough() {
        let mut r = SplitMix64(1);
        // 100,000 uniform draws: the mean's standard deviation is 0.29 / 316 = 0.0009.
        let mean = (0..100_000).map(|_| r.next_f64()).sum::<f64>() / 100_000.0;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        assert!((0..1000).all(|_| r.below(7) < 7));
    }
}
