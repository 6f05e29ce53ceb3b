//! Terrain: the *effort length* of every edge of the walking graph on a ground elevation model, so that
//! a hill counts as farther than flat ground (Tobler 1993, "Three presentations on geographical analysis
//! and modeling", NCGIA TR 93-1: walking speed `6 · exp(−3.5 · |s + 0.05|)` km/h on slope `s`).
//!
//! Algorithm, per edge (a polyline from `u` to `v`):
//! 1. Sample the polyline at its vertices and between them at equal steps of at most
//!    [`MAX_SAMPLE_SPACING_M`] (10 m) ([`sample_positions`]); the ground elevation of each sample comes
//!    from the DEM (bilinear, [`crate::read::dem`]), `None` outside the raster or over no-data.
//! 2. Each piece between consecutive samples has run `r` (its horizontal length) and rise `Δz`, slope
//!    `s = Δz / r`. Its effort is `r × (f(s) + f(−s)) / 2` with `f(s) = exp(3.5 × (|s + 0.05| − 0.05))`,
//!    Tobler's pace relative to flat ground ([`tobler_pace`]): flat ground costs its length, and a piece
//!    costs the mean of going and coming back ([`round_trip_factor`]), so the effort of an edge is the
//!    same in both directions and the walking graph stays undirected. A piece with an end without
//!    elevation counts flat (`s = 0`).
//! 3. A bridge or tunnel (`bridge=*` / `tunnel=*` other than `no`) does not follow the ground below it:
//!    its samples between the two ends take the straight ramp between the ends' elevations.
//! 4. The edge keeps its profile ([`ProfilePoint`]: metres, effort, ascent and descent from `u`, each
//!    cumulative), so a point snapped part-way along the edge gets its own effort to either end, and a
//!    route's metres walked and metres climbed can be read back.
//!
//! Example: 100 m rising 8 m (8 %): `f(0.08) = exp(3.5 × 0.08) = 1.3231`, `f(−0.08) = exp(3.5 × (0.03 −
//! 0.05)) = 0.9324`, effort `100 × 1.12776 = 112.776` m.
//!
//! ```
//! use lifecircle::network::terrain::{edge_profile, round_trip_factor};
//! assert_eq!(round_trip_factor(0.0), 1.0);
//! let mut points = Vec::new();
//! let stats = edge_profile(&[(0.0, Some(10.0)), (100.0, Some(18.0))], &mut points, None);
//! assert!((points[1].effort_m - 112.7762).abs() < 1e-4);
//! assert_eq!((points[1].up_m, points[1].down_m, stats.pieces_without_data), (8.0, 0.0, 0));
//! ```
//!
//! Cost: one DEM lookup per 10 m of network and one `exp` pair per piece; memory 32 bytes per sample.

use geo_types::Coord;

/// Samples along an edge are at most this far apart.
pub const MAX_SAMPLE_SPACING_M: f64 = 10.0;

/// Tobler's pace on slope `s` (rise over run) relative to flat ground: `exp(3.5 × (|s + 0.05| − 0.05))`.
/// 1 on flat ground, least (0.84) at `s = −0.05`, gentle downhill.
#[inline]
pub fn tobler_pace(s: f64) -> f64 {
    (3.5 * ((s + 0.05).abs() - 0.05)).exp()
}

/// The round-trip pace on slope `s`: the mean of going up and coming down, `(f(s) + f(−s)) / 2`.
#[inline]
pub fn round_trip_factor(s: f64) -> f64 {
    (tobler_pace(s) + tobler_pace(-s)) / 2.0
}

/// One sample of an edge's profile; every field is cumulative from the edge's `u` end.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfilePoint {
    /// Metres along the edge.
    pub along_m: f64,
    /// Effort metres (flat-equivalent).
    pub effort_m: f64,
    /// Metres climbed walking from `u` towards `v`.
    pub up_m: f64,
    /// Metres descended walking from `u` towards `v` (positive).
    pub down_m: f64,
}

/// How much of an edge the DEM covered, and its steepest piece.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfileStats {
    pub pieces: usize,
    /// Pieces counted flat because an end had no elevation (outside the raster or no-data).
    pub pieces_without_data: usize,
    /// The largest |rise / run| of a piece.
    pub max_slope: f64,
}

/// A walker's extra effort on steep ground: pieces steeper than `slope` (either way) cost `factor` times
/// their effort (the elderly walker, [`super::walker`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SteepFactor {
    pub slope: f64,
    pub factor: f64,
}

/// Positions (metres from the start) where a polyline is sampled: its vertices, and between them equal
/// steps of at most [`MAX_SAMPLE_SPACING_M`]. Vertex positions are the running sum of segment lengths,
/// exactly as the graph measures edge lengths, so the last position is the edge's `length_m`.
pub fn sample_positions(line: &[Coord<f64>], out: &mut Vec<(Coord<f64>, f64)>) {
    out.clear();
    let Some(&first) = line.first() else { return };
    out.push((first, 0.0));
    let mut along = 0.0;
    for w in line.windows(2) {
        let seg = (w[1].x - w[0].x).hypot(w[1].y - w[0].y);
        let steps = (seg / MAX_SAMPLE_SPACING_M).ceil().max(1.0) as usize;
        for k in 1..steps {
            let t = k as f64 / steps as f64;
            out.push((Coord { x: w[0].x + t * (w[1].x - w[0].x), y: w[0].y + t * (w[1].y - w[0].y) }, along + t * seg));
        }
        along += seg;
        out.push((w[1], along));
    }
}

/// Replace the inner elevations of a bridge or tunnel by the straight ramp between its ends (when both
/// ends have one).
pub fn ramp_between_ends(samples: &mut [(f64, Option<f64>)]) {
    let n = samples.len();
    if n < 3 {
        return;
    }
    let ((a0, z0), (a1, z1)) = (samples[0], samples[n - 1]);
    if let (Some(z0), Some(z1)) = (z0, z1) {
        let span = a1 - a0;
        for s in &mut samples[1..n - 1] {
            let t = if span > 0.0 { (s.0 - a0) / span } else { 0.0 };
            s.1 = Some(z0 + t * (z1 - z0));
        }
    }
}

/// The profile of one edge from its samples `(metres along, elevation)`, appended to `out`; `steep`
/// multiplies the effort of steep pieces.
pub fn edge_profile(samples: &[(f64, Option<f64>)], out: &mut Vec<ProfilePoint>, steep: Option<SteepFactor>) -> ProfileStats {
    let mut stats = ProfileStats::default();
    let Some(&(first, _)) = samples.first() else { return stats };
    let mut p = ProfilePoint { along_m: first, ..ProfilePoint::default() };
    out.push(p);
    for w in samples.windows(2) {
        let run = w[1].0 - w[0].0;
        stats.pieces += 1;
        let rise = match (w[0].1, w[1].1) {
            (Some(a), Some(b)) => b - a,
            _ => {
                stats.pieces_without_data += 1;
                0.0
            }
        };
        let slope = if run > 0.0 { (rise / run).abs() } else { 0.0 };
        stats.max_slope = stats.max_slope.max(slope);
        let mut factor = if run > 0.0 { round_trip_factor(rise / run) } else { 1.0 };
        if let Some(s) = steep.filter(|s| slope > s.slope) {
            factor *= s.factor;
        }
        p = ProfilePoint {
            along_m: w[1].0,
            effort_m: p.effort_m + run * factor,
            up_m: p.up_m + rise.max(0.0),
            down_m: p.down_m + (-rise).max(0.0),
        };
        out.push(p);
    }
    stats
}

/// Every edge's profile, and what the DEM covered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terrain {
    /// Edge `i`'s profile is `points[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    points: Vec<ProfilePoint>,
    /// Per edge, its steepest piece's |rise / run|.
    max_slope: Vec<f32>,
    pub coverage: TerrainCoverage,
}

/// What the DEM covered, for the data-quality block of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TerrainCoverage {
    pub edges: usize,
    /// Edges with no elevation anywhere (outside the raster or all no-data): counted flat.
    pub edges_without_data: usize,
    /// Edges with elevation on part of their length only: the rest counted flat.
    pub edges_partly_without_data: usize,
    /// Pieces (of at most 10 m) sampled, and those counted flat for want of elevation.
    pub pieces: usize,
    pub pieces_without_data: usize,
}

impl Terrain {
    /// Build from per-edge samples: `samples(edge, buffer)` fills `(metres along, elevation)`.
    pub fn from_edge_samples(edge_count: usize, steep: Option<SteepFactor>, mut samples: impl FnMut(usize, &mut Vec<(f64, Option<f64>)>)) -> Terrain {
        let mut t = Terrain { starts: Vec::with_capacity(edge_count + 1), ..Terrain::default() };
        let mut buffer = Vec::new();
        for e in 0..edge_count {
            t.starts.push(t.points.len() as u32);
            buffer.clear();
            samples(e, &mut buffer);
            let s = edge_profile(&buffer, &mut t.points, steep);
            t.max_slope.push(s.max_slope as f32);
            t.coverage.edges += 1;
            t.coverage.pieces += s.pieces;
            t.coverage.pieces_without_data += s.pieces_without_data;
            if s.pieces > 0 && s.pieces_without_data == s.pieces {
                t.coverage.edges_without_data += 1;
            } else if s.pieces_without_data > 0 {
                t.coverage.edges_partly_without_data += 1;
            }
        }
        t.starts.push(t.points.len() as u32);
        t
    }

    /// The edges for which `keep` is true, in order (coverage counts stay those of the whole network).
    pub fn select(&self, keep: &[bool]) -> Terrain {
        let mut t = Terrain { coverage: self.coverage, ..Terrain::default() };
        for (e, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            t.starts.push(t.points.len() as u32);
            t.points.extend_from_slice(self.profile(e as u32));
            t.max_slope.push(self.max_slope[e]);
        }
        t.starts.push(t.points.len() as u32);
        t
    }

    /// An edge's steepest piece (|rise / run|).
    pub fn max_slope(&self, edge: u32) -> f64 {
        f64::from(self.max_slope[edge as usize])
    }

    /// One edge's profile.
    #[inline]
    pub fn profile(&self, edge: u32) -> &[ProfilePoint] {
        &self.points[self.starts[edge as usize] as usize..self.starts[edge as usize + 1] as usize]
    }

    /// The cumulative profile at `along_m` metres from `u`, linear between samples (each piece has one
    /// slope), clamped to the edge.
    pub fn at(&self, edge: u32, along_m: f64) -> ProfilePoint {
        let p = self.profile(edge);
        let Some(last) = p.last() else { return ProfilePoint::default() };
        if along_m <= p[0].along_m {
            return p[0];
        }
        if along_m >= last.along_m {
            return *last;
        }
        let i = p.partition_point(|q| q.along_m <= along_m); // p[i - 1].along_m <= along_m < p[i].along_m
        let (a, b) = (p[i - 1], p[i]);
        let t = (along_m - a.along_m) / (b.along_m - a.along_m);
        ProfilePoint {
            along_m,
            effort_m: a.effort_m + t * (b.effort_m - a.effort_m),
            up_m: a.up_m + t * (b.up_m - a.up_m),
            down_m: a.down_m + t * (b.down_m - a.down_m),
        }
    }

    /// The metres from `u` where the effort from `u` reaches `effort_m` (the inverse of [`Terrain::at`]).
    pub fn along_at_effort(&self, edge: u32, effort_m: f64) -> f64 {
        let p = self.profile(edge);
        let Some(last) = p.last() else { return 0.0 };
        if effort_m <= p[0].effort_m {
            return p[0].along_m;
        }
        if effort_m >= last.effort_m {
            return last.along_m;
        }
        let i = p.partition_point(|q| q.effort_m <= effort_m);
        let (a, b) = (p[i - 1], p[i]);
        a.along_m + (effort_m - a.effort_m) / (b.effort_m - a.effort_m) * (b.along_m - a.along_m)
    }

    /// An edge's total effort.
    pub fn effort_m(&self, edge: u32) -> f64 {
        self.profile(edge).last().map_or(0.0, |p| p.effort_m)
    }

    /// Metres climbed walking the whole edge from `u` to `v` (`forward`) or back: O(1).
    #[inline]
    pub fn climb_whole_m(&self, edge: u32, forward: bool) -> f64 {
        self.profile(edge).last().map_or(0.0, |p| if forward { p.up_m } else { p.down_m })
    }

    /// Metres climbed walking the edge from `from_m` to `to_m` (either direction).
    pub fn climb_m(&self, edge: u32, from_m: f64, to_m: f64) -> f64 {
        let (a, b) = (self.at(edge, from_m), self.at(edge, to_m));
        if to_m >= from_m { b.up_m - a.up_m } else { a.down_m - b.down_m }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn pace_is_toblers() {
        assert_eq!(tobler_pace(0.0), 1.0);
        assert!((tobler_pace(-0.05) - (-0.175f64).exp()).abs() < 1e-15);
        // Symmetric round trip, at least 1 everywhere but flat.
        for s in [0.01, 0.05, 0.08, 0.3] {
            assert_eq!(round_trip_factor(s), round_trip_factor(-s));
            assert!(round_trip_factor(s) > 1.0);
        }
        assert!((round_trip_factor(0.08) - (1.323129812 + 0.932393820) / 2.0).abs() < 1e-8);
    }

    #[test]
    fn samples_every_ten_metres_at_most() {
        let mut out = Vec::new();
        sample_positions(&[c(0.0, 0.0), c(25.0, 0.0), c(25.0, 5.0)], &mut out);
        let along: Vec<f64> = out.iter().map(|p| p.1).collect();
        let want = [0.0, 25.0 / 3.0, 50.0 / 3.0, 25.0, 30.0];
        assert_eq!(along.len(), want.len());
        assert!(along.iter().zip(want).all(|(a, w)| (a - w).abs() < 1e-12), "{along:?}");
        assert_eq!((along[3], along[4]), (25.0, 30.0)); // vertices exactly as the graph sums them
        assert_eq!(out[4].0, c(25.0, 5.0));
        sample_positions(&[], &mut out);
        assert!(out.is_empty());
        // A zero-length segment gives one repeated sample, not a division by zero.
        sample_positions(&[c(1.0, 1.0), c(1.0, 1.0)], &mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn profile_counts_missing_elevation_flat_and_interpolates() {
        let mut points = Vec::new();
        let s = edge_profile(&[(0.0, Some(0.0)), (10.0, None), (20.0, Some(1.0)), (30.0, Some(2.0))], &mut points, None);
        assert_eq!((s.pieces, s.pieces_without_data), (3, 2));
        assert_eq!(points[2].effort_m, 20.0);
        assert!((points[3].effort_m - (20.0 + 10.0 * round_trip_factor(0.1))).abs() < 1e-12);
        let t = Terrain::from_edge_samples(2, None, |e, buf| {
            if e == 0 {
                buf.extend([(0.0, Some(0.0)), (10.0, Some(1.0)), (20.0, Some(0.0))]);
            } else {
                buf.extend([(0.0, None), (5.0, None)]);
            }
        });
        assert_eq!((t.coverage.edges, t.coverage.edges_without_data, t.coverage.edges_partly_without_data), (2, 1, 0));
        let mid = t.at(0, 5.0);
        assert!((mid.effort_m - 5.0 * round_trip_factor(0.1)).abs() < 1e-12);
        // Up 1 m to the crest at 10 m and down again; from 15 back to 5: 0.5 m up to the crest, then down.
        assert_eq!((t.climb_m(0, 0.0, 20.0), t.climb_m(0, 20.0, 0.0), t.climb_m(0, 15.0, 5.0)), (1.0, 1.0, 0.5));
        assert!((t.along_at_effort(0, t.at(0, 13.0).effort_m) - 13.0).abs() < 1e-12);
        assert_eq!(t.effort_m(1), 5.0);
        assert_eq!(t.at(0, -3.0), t.profile(0)[0]);
        assert_eq!((t.max_slope(0), t.max_slope(1)), (0.1f32 as f64, 0.0));
        let only_second = t.select(&[false, true]);
        assert_eq!((only_second.profile(0), only_second.coverage), (t.profile(1), t.coverage));
    }

    #[test]
    fn steep_pieces_cost_the_walker_more() {
        let mut points = Vec::new();
        let steep = Some(SteepFactor { slope: 0.08, factor: 1.5 });
        // 10 m at 10 % (steep), 10 m at 5 % (not), 10 m flat.
        edge_profile(&[(0.0, Some(0.0)), (10.0, Some(1.0)), (20.0, Some(1.5)), (30.0, Some(1.5))], &mut points, steep);
        let want = 10.0 * round_trip_factor(0.1) * 1.5 + 10.0 * round_trip_factor(0.05) + 10.0;
        assert!((points[3].effort_m - want).abs() < 1e-12);
    }

    #[test]
    fn bridges_ramp_between_their_ends() {
        let mut s = vec![(0.0, Some(20.0)), (10.0, Some(0.0)), (20.0, Some(0.0)), (30.0, Some(23.0))];
        ramp_between_ends(&mut s);
        assert_eq!(s.iter().map(|p| p.1.unwrap()).collect::<Vec<_>>(), vec![20.0, 21.0, 22.0, 23.0]);
        let mut half = vec![(0.0, None), (10.0, Some(5.0)), (20.0, Some(7.0))];
        ramp_between_ends(&mut half);
        assert_eq!(half[1].1, Some(5.0));
    }
}
