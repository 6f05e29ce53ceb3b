//! Seeded synthetic districts for the bundle tests and benchmark (`benches/bundle.rs` includes this file
//! with `#[path]`): a grid of estates, either separate rectangles with gaps of 4-26 m (walled compounds
//! along lanes) or a planar mesh of jittered quadrilaterals sharing their edges (estates mapped up to each
//! other), with holes (parks, schools: no estate), populations of 300-3,000, build years 1975-2010, a mix
//! of surveyed and unsurveyed estates, optional railway / primary road barriers along grid lines, and
//! optional street boundaries over blocks of cells.
#![allow(dead_code)]

use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use lifecircle::model::{Barrier, Boundary, BoundaryLevel, Dataset, Estate, SurveyAttributes};
use lifecircle::rng::SplitMix64;
use lifecircle::testing::{estate, rect, rect_polygon};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Separate rectangles with gaps.
    Squares,
    /// Jittered quadrilaterals sharing edges and vertices.
    Mesh,
}

#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub nx: usize,
    pub ny: usize,
    pub cell_m: f64,
    pub kind: Kind,
    pub seed: u64,
    /// Share of cells without an estate.
    pub hole_share: f64,
    /// Street boundaries over blocks of this many cells a side.
    pub street_block: Option<usize>,
    /// A railway along every this-many-th grid row line and a primary road along every this-many-th
    /// column line.
    pub barrier_every: Option<usize>,
    /// Share of estates with a full survey (the rest are unsurveyed: needs survey).
    pub surveyed_share: f64,
}

impl Spec {
    pub fn new(nx: usize, ny: usize, kind: Kind, seed: u64) -> Spec {
        Spec { nx, ny, cell_m: 160.0, kind, seed, hole_share: 0.08, street_block: None, barrier_every: None, surveyed_share: 0.7 }
    }
}

/// Origin in UTM 50N near Nanjing, so the layers convert to sensible lon/lat.
pub const ORIGIN: Coord<f64> = Coord { x: 660_000.0, y: 3_540_000.0 };

pub fn district(spec: &Spec) -> Dataset {
    let mut rng = SplitMix64::new(spec.seed);
    let (nx, ny, s) = (spec.nx, spec.ny, spec.cell_m);
    // Mesh vertices, jittered by up to 20 % of a cell, shared by neighbouring cells.
    let mut vertex = vec![Coord { x: 0.0, y: 0.0 }; (nx + 1) * (ny + 1)];
    for j in 0..=ny {
        for i in 0..=nx {
            let on_edge = i == 0 || j == 0 || i == nx || j == ny;
            let (dx, dy) = if on_edge { (0.0, 0.0) } else { ((rng.next_f64() - 0.5) * 0.4 * s, (rng.next_f64() - 0.5) * 0.4 * s) };
            vertex[j * (nx + 1) + i] = Coord { x: ORIGIN.x + i as f64 * s + dx, y: ORIGIN.y + j as f64 * s + dy };
        }
    }
    let mut estates = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let hole = rng.next_f64() < spec.hole_share;
            let population = (300.0 * 10f64.powf(rng.next_f64())).round();
            let built_year = 1975 + rng.below(36) as i32;
            let surveyed = rng.next_f64() < spec.surveyed_share;
            let consent = 0.5 + 0.5 * rng.next_f64();
            let funded = rng.next_f64() < 0.05;
            let (g0, g1) = (rng.next_f64(), rng.next_f64());
            if hole {
                continue;
            }
            let polygon = match spec.kind {
                Kind::Squares => {
                    // Margins of 2-13 m on each side: gaps of 4-26 m between neighbours.
                    let (x0, y0) = (ORIGIN.x + i as f64 * s, ORIGIN.y + j as f64 * s);
                    let m = |u: f64| 2.0 + 11.0 * u;
                    rect_polygon(x0 + m(g0), y0 + m(g1), x0 + s - m(g1), y0 + s - m(g0))
                }
                Kind::Mesh => {
                    let v = |a: usize, b: usize| vertex[b * (nx + 1) + a];
                    Polygon::new(LineString(vec![v(i, j), v(i + 1, j), v(i + 1, j + 1), v(i, j + 1), v(i, j)]), vec![])
                }
            };
            let survey = if surveyed {
                SurveyAttributes {
                    consent_share: Some(consent),
                    previously_funded: Some(funded),
                    to_be_demolished: Some(false),
                    estate_type: Some("普通住宅".into()),
                    ..SurveyAttributes::default()
                }
            } else {
                SurveyAttributes::default()
            };
            estates.push(Estate {
                population,
                households: (population / 2.62).round(),
                floor_area_m2: population * 33.0,
                n_buildings: 4,
                built_year: Some(built_year),
                survey,
                ..estate(&format!("e{}_{}", i, j), MultiPolygon(vec![polygon]))
            });
        }
    }
    let mut barriers = Vec::new();
    if let Some(every) = spec.barrier_every {
        // Railways along row lines and primary roads along column lines (straight: in the mesh they cut
        // through estates, as real lines do).
        for j in (every..ny).step_by(every) {
            let y = ORIGIN.y + j as f64 * s;
            barriers.push(Barrier { id: format!("rail{j}"), class: "rail".into(), geometry: Geometry::LineString(LineString(vec![Coord { x: ORIGIN.x - s, y }, Coord { x: ORIGIN.x + (nx + 1) as f64 * s, y }])) });
        }
        for i in (every..nx).step_by(every) {
            let x = ORIGIN.x + i as f64 * s;
            barriers.push(Barrier { id: format!("road{i}"), class: "primary".into(), geometry: Geometry::LineString(LineString(vec![Coord { x, y: ORIGIN.y - s }, Coord { x, y: ORIGIN.y + (ny + 1) as f64 * s }])) });
        }
    }
    let mut boundaries = Vec::new();
    if let Some(block) = spec.street_block {
        for bj in (0..ny).step_by(block) {
            for bi in (0..nx).step_by(block) {
                // Boundary lines run through the cells 30 % of a cell off the grid lines, so the estates
                // there straddle two streets (70 % / 30 %); the outer blocks reach past the district.
                let line = |k: usize, n: usize, origin: f64| if k == 0 { origin - s } else if k >= n { origin + (n + 1) as f64 * s } else { origin + (k as f64 - 0.3) * s };
                let (x0, x1) = (line(bi, nx, ORIGIN.x), line(bi + block, nx, ORIGIN.x));
                let (y0, y1) = (line(bj, ny, ORIGIN.y), line(bj + block, ny, ORIGIN.y));
                boundaries.push(Boundary { id: format!("S{bi}_{bj}"), name: None, level: BoundaryLevel::Street, polygon: rect(x0, y0, x1, y1) });
            }
        }
    }
    Dataset { estates, barriers, boundaries, ..Dataset::default() }
}
