//! The signed distance from a point to a polygon's boundary (positive inside, negative outside; holes
//! count as boundary), asked many times of one polygon, as the inscribed-circle search and co-location do.
//!
//! [`signed_boundary_distance`] visits every segment: the even-odd ray crossing test (a ray to +x, one
//! crossing per segment that straddles the point's y) and the smallest squared distance to a segment,
//! one square root at the end. [`BoundaryDistance`] gives the same number, bit for bit, from a uniform
//! grid of the segments (the bucketing of Akman, Franklin et al., "Geometric computing and the uniform
//! grid data technique", 1989): the crossing test visits only the segments of the point's row band, and
//! the nearest segment is searched ring by ring of grid cells around the point, stopping when the region
//! not yet searched lies farther than the best distance found (plus a slack of 1 µm and more for large
//! coordinates, far above the rounding of a distance in metres). Both take the same minimum over the
//! same per-segment values computed the same way, so the answer does not depend on which is used; the
//! grid pays off from about [`GRID_FROM_SEGMENTS`] segments (a block of open land around buffered
//! buildings has hundreds).
//!
//! ```
//! use geo_types::{coord, polygon};
//! use lifecircle::geometry::boundary_distance::{BoundaryDistance, signed_boundary_distance};
//! let square = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)];
//! assert_eq!(signed_boundary_distance(&square, coord! { x: 3., y: 5. }), 3.0);
//! assert_eq!(signed_boundary_distance(&square, coord! { x: 13., y: 14. }), -5.0);
//! let indexed = BoundaryDistance::new(&square);
//! assert_eq!(indexed.signed_distance(coord! { x: 3., y: 5. }), 3.0);
//! ```

use crate::network::snap::project_on_segment;
use geo_types::{Coord, Polygon};

/// Polygons with at least this many boundary segments are searched through the grid.
pub const GRID_FROM_SEGMENTS: usize = 48;

/// Squared distance from `p` to segment `a`–`b`, as both searches compute it.
#[inline]
fn segment_distance2(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (_, q) = project_on_segment(p, a, b);
    let (dx, dy) = (q.x - p.x, q.y - p.y);
    dx * dx + dy * dy
}

/// Whether the +x ray from `p` crosses segment `a`–`b` (the even-odd test).
#[inline]
fn crosses(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
}

/// Signed distance from `p` to the polygon's boundary, visiting every segment: positive inside, negative
/// outside.
pub fn signed_boundary_distance(polygon: &Polygon<f64>, p: Coord<f64>) -> f64 {
    let mut inside = false;
    let mut min2 = f64::INFINITY;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for seg in ring.0.windows(2) {
            let (a, b) = (seg[0], seg[1]);
            if crosses(p, a, b) {
                inside = !inside;
            }
            min2 = min2.min(segment_distance2(p, a, b));
        }
    }
    // Squared distances compared, one square root: `hypot` per segment was a fifth of the search.
    let min_m = min2.sqrt();
    if inside { min_m } else { -min_m }
}

/// A polygon's boundary prepared for many distance queries: [`signed_boundary_distance`] for small
/// polygons, the segment grid of the module doc from [`GRID_FROM_SEGMENTS`] segments.
pub struct BoundaryDistance<'a> {
    polygon: &'a Polygon<f64>,
    grid: Option<SegmentGrid>,
}

impl<'a> BoundaryDistance<'a> {
    pub fn new(polygon: &'a Polygon<f64>) -> BoundaryDistance<'a> {
        let segments: usize = std::iter::once(polygon.exterior()).chain(polygon.interiors()).map(|r| r.0.len().saturating_sub(1)).sum();
        let grid = if segments >= GRID_FROM_SEGMENTS { SegmentGrid::new(polygon, segments) } else { None };
        BoundaryDistance { polygon, grid }
    }

    /// The polygon's [`signed_boundary_distance`] at `p`, the same value.
    pub fn signed_distance(&self, p: Coord<f64>) -> f64 {
        match &self.grid {
            Some(grid) => grid.signed_distance(p),
            None => signed_boundary_distance(self.polygon, p),
        }
    }
}

/// The segments bucketed twice: by grid cell (every cell their bounding box meets) for the nearest
/// segment, and by row band for the crossing test. Buckets are compressed rows (`start[i]..start[i + 1]`
/// of `items`).
struct SegmentGrid {
    segments: Vec<(Coord<f64>, Coord<f64>)>,
    origin: Coord<f64>,
    cell_m: f64,
    columns: usize,
    rows: usize,
    cell_start: Vec<u32>,
    cell_items: Vec<u32>,
    row_start: Vec<u32>,
    row_items: Vec<u32>,
    /// Added to the stopping distance: covers the rounding of cell edges and distances.
    slack_m: f64,
}

/// Bucket lists in compressed rows: `lists[i]` for `i` in `0..n`, from (bucket, item) pairs.
fn compressed(n: usize, pairs: &[(usize, u32)]) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for &(b, _) in pairs {
        start[b + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut items = vec![0u32; pairs.len()];
    for &(b, s) in pairs {
        items[fill[b] as usize] = s;
        fill[b] += 1;
    }
    (start, items)
}

impl SegmentGrid {
    /// `None` for a polygon without area-like extent (the brute force handles it).
    fn new(polygon: &Polygon<f64>, count: usize) -> Option<SegmentGrid> {
        let mut segments = Vec::with_capacity(count);
        let (mut min, mut max) = (Coord { x: f64::INFINITY, y: f64::INFINITY }, Coord { x: f64::NEG_INFINITY, y: f64::NEG_INFINITY });
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            for seg in ring.0.windows(2) {
                segments.push((seg[0], seg[1]));
                for c in [seg[0], seg[1]] {
                    (min.x, min.y, max.x, max.y) = (min.x.min(c.x), min.y.min(c.y), max.x.max(c.x), max.y.max(c.y));
                }
            }
        }
        let (w, h) = (max.x - min.x, max.y - min.y);
        if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) || segments.len() > u32::MAX as usize {
            return None;
        }
        // About two segments per cell, at most 512 cells a side.
        let cell_m = (w * h / segments.len() as f64 * 2.0).sqrt().max(w / 512.0).max(h / 512.0);
        let columns = ((w / cell_m).floor() as usize + 1).min(513);
        let rows = ((h / cell_m).floor() as usize + 1).min(513);
        let magnitude = min.x.abs().max(min.y.abs()).max(max.x.abs()).max(max.y.abs());
        let mut grid = SegmentGrid {
            segments,
            origin: min,
            cell_m,
            columns,
            rows,
            cell_start: Vec::new(),
            cell_items: Vec::new(),
            row_start: Vec::new(),
            row_items: Vec::new(),
            slack_m: 1e-6 + magnitude * 1e-12,
        };
        let mut in_cells = Vec::with_capacity(grid.segments.len() * 2);
        let mut in_rows = Vec::with_capacity(grid.segments.len() * 2);
        for (s, &(a, b)) in grid.segments.iter().enumerate() {
            let (c0, c1) = (grid.column_of(a.x.min(b.x)), grid.column_of(a.x.max(b.x)));
            let (r0, r1) = (grid.row_of(a.y.min(b.y)), grid.row_of(a.y.max(b.y)));
            for r in r0..=r1 {
                in_rows.push((r, s as u32));
                for c in c0..=c1 {
                    in_cells.push((r * columns + c, s as u32));
                }
            }
        }
        (grid.cell_start, grid.cell_items) = compressed(columns * rows, &in_cells);
        (grid.row_start, grid.row_items) = compressed(rows, &in_rows);
        Some(grid)
    }

    /// The column of `x`, clamped to the grid (monotone in `x`, so a segment spanning `x` is in it).
    fn column_of(&self, x: f64) -> usize {
        (((x - self.origin.x) / self.cell_m).floor().max(0.0) as usize).min(self.columns - 1)
    }

    fn row_of(&self, y: f64) -> usize {
        (((y - self.origin.y) / self.cell_m).floor().max(0.0) as usize).min(self.rows - 1)
    }

    fn cell(&self, column: usize, row: usize) -> &[u32] {
        let i = row * self.columns + column;
        &self.cell_items[self.cell_start[i] as usize..self.cell_start[i + 1] as usize]
    }

    /// Distance from `p` to the cells of columns `c0..=c1` and rows `r0..=r1` (a rectangle of the grid).
    fn distance_to_cells(&self, p: Coord<f64>, (c0, c1): (usize, usize), (r0, r1): (usize, usize)) -> f64 {
        let (x0, x1) = (self.origin.x + c0 as f64 * self.cell_m, self.origin.x + (c1 + 1) as f64 * self.cell_m);
        let (y0, y1) = (self.origin.y + r0 as f64 * self.cell_m, self.origin.y + (r1 + 1) as f64 * self.cell_m);
        let dx = (x0 - p.x).max(p.x - x1).max(0.0);
        let dy = (y0 - p.y).max(p.y - y1).max(0.0);
        dx.hypot(dy)
    }

    fn signed_distance(&self, p: Coord<f64>) -> f64 {
        // Crossings: only segments of the point's row band can straddle its y (a straddling segment's
        // y range holds p.y, and the band function is monotone).
        let mut inside = false;
        let row = self.row_of(p.y);
        for &s in &self.row_items[self.row_start[row] as usize..self.row_start[row + 1] as usize] {
            let (a, b) = self.segments[s as usize];
            if crosses(p, a, b) {
                inside = !inside;
            }
        }
        // Nearest segment: rings of cells around the point's (clamped) cell.
        let (pc, pr) = (self.column_of(p.x), self.row_of(p.y));
        let mut min2 = f64::INFINITY;
        let mut k = 0usize;
        loop {
            let (c0, c1) = (pc.saturating_sub(k), (pc + k).min(self.columns - 1));
            let (r0, r1) = (pr.saturating_sub(k), (pr + k).min(self.rows - 1));
            for r in r0..=r1 {
                let on_edge_row = r + k == pr || r == pr + k;
                for c in c0..=c1 {
                    if on_edge_row || c + k == pc || c == pc + k {
                        for &s in self.cell(c, r) {
                            let (a, b) = self.segments[s as usize];
                            min2 = min2.min(segment_distance2(p, a, b));
                        }
                    }
                }
            }
            // The cells not yet searched: up to four strips around the searched rectangle.
            let mut unsearched = f64::INFINITY;
            if c0 > 0 {
                unsearched = unsearched.min(self.distance_to_cells(p, (0, c0 - 1), (0, self.rows - 1)));
            }
            if c1 + 1 < self.columns {
                unsearched = unsearched.min(self.distance_to_cells(p, (c1 + 1, self.columns - 1), (0, self.rows - 1)));
            }
            if r0 > 0 {
                unsearched = unsearched.min(self.distance_to_cells(p, (c0, c1), (0, r0 - 1)));
            }
            if r1 + 1 < self.rows {
                unsearched = unsearched.min(self.distance_to_cells(p, (c0, c1), (r1 + 1, self.rows - 1)));
            }
            if unsearched == f64::INFINITY || unsearched > min2.sqrt() + self.slack_m {
                break;
            }
            k += 1;
        }
        let min_m = min2.sqrt();
        if inside { min_m } else { -min_m }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use geo_types::LineString;

    /// A wobbly ring of `n` vertices around `centre` (radius between 0.5 and 1 of `r`).
    fn wobbly(rng: &mut SplitMix64, centre: Coord<f64>, r: f64, n: usize, clockwise: bool) -> LineString<f64> {
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let rr = r * rng.range(0.5, 1.0);
                Coord { x: centre.x + rr * t.cos(), y: centre.y + rr * t.sin() }
            })
            .collect();
        if clockwise {
            pts.reverse();
        }
        pts.push(pts[0]);
        LineString(pts)
    }

    #[test]
    fn the_grid_gives_the_brute_force_value_bit_for_bit() {
        // Star-shaped rings of 20-600 vertices with up to 6 holes, at UTM-sized and at Gauss-Krüger
        // zone-prefix coordinates (40 million metres), probed inside, outside, on vertices, on the row
        // and column lines of the grid and far away: the same f64 every time.
        let mut rng = SplitMix64::new(2018);
        let mut gridded = 0;
        for round in 0..80 {
            let base = [Coord { x: 0.0, y: 0.0 }, Coord { x: 668_069.39, y: 3_546_254.68 }, Coord { x: 40_512_345.6, y: 3_546_254.68 }][round % 3];
            let n = [20, 60, 200, 600][round % 4];
            let exterior = wobbly(&mut rng, base, 200.0, n, false);
            let holes: Vec<LineString<f64>> = (0..round % 7)
                .map(|h| {
                    let a = h as f64 * 0.9;
                    wobbly(&mut rng, Coord { x: base.x + 60.0 * a.cos(), y: base.y + 60.0 * a.sin() }, 12.0, 8 + 7 * h, true)
                })
                .collect();
            let polygon = Polygon::new(exterior, holes);
            let indexed = BoundaryDistance::new(&polygon);
            gridded += usize::from(indexed.grid.is_some());
            let mut probes: Vec<Coord<f64>> = (0..300).map(|_| Coord { x: base.x + rng.range(-260.0, 260.0), y: base.y + rng.range(-260.0, 260.0) }).collect();
            probes.extend(polygon.exterior().0.iter().take(20).copied());
            probes.extend([Coord { x: base.x + 5000.0, y: base.y - 7000.0 }, Coord { x: base.x - 1e5, y: base.y }, base]);
            if let Some(g) = &indexed.grid {
                probes.extend((0..g.columns).map(|c| Coord { x: g.origin.x + c as f64 * g.cell_m, y: g.origin.y + (c % g.rows) as f64 * g.cell_m }));
            }
            for p in probes {
                let (want, got) = (signed_boundary_distance(&polygon, p), indexed.signed_distance(p));
                assert_eq!(got.to_bits(), want.to_bits(), "round {round}, probe {p:?}: {got} vs {want}");
            }
        }
        assert!(gridded >= 55, "{gridded} polygons used the grid");
    }
}
