//! Step 3 of the bundle partition, enclave assignment: an unassigned estate joins the adjacent region
//! whose compactness (area / area of the minimum enclosing circle, [`crate::bundle::compactness`]) suffers
//! least, if the region stays under the ceiling; repeated until nothing moves. O(m·s·h) expected for m
//! estates, s estates per region and h hull points per estate (Welzl's circle is linear).

use super::{Component, NONE, Solution, Scratch, widen};
use crate::bundle::compactness::{Circle, compactness_in_circle};

impl Component<'_> {
    /// Step 3: unassigned estates join the adjacent region that keeps the best compactness, under the
    /// ceiling. Returns whether any did.
    pub(super) fn absorb_enclaves(&self, solution: &mut Solution, scratch: &mut Scratch) -> bool {
        let mut any = false;
        loop {
            let mut changed = false;
            for v in 0..self.len() as u32 {
                if solution.region_of[v as usize] != NONE {
                    continue;
                }
                let mut best: Option<(f64, u32, Circle)> = None;
                let mut seen: Vec<u32> = self.neighbours(v).iter().map(|&u| solution.region_of[u as usize]).filter(|&r| r != NONE).collect();
                seen.sort_unstable();
                seen.dedup();
                for r in seen {
                    let region = &solution.regions[r as usize];
                    if region.pop + self.pop(v) > self.max_pop {
                        continue;
                    }
                    let circle = self.circle_of(region.members.iter().copied().chain(std::iter::once(v)), scratch);
                    let gain = compactness_in_circle(region.area_m2 + self.estates[v as usize].area_m2, &circle) - region.compactness();
                    if best.is_none_or(|(g, _, _)| gain > g) {
                        best = Some((gain, r, circle));
                    }
                }
                if let Some((_, r, circle)) = best {
                    let region = &mut solution.regions[r as usize];
                    region.members.push(v);
                    region.pop += self.pop(v);
                    region.area_m2 += self.estates[v as usize].area_m2;
                    region.circle = circle;
                    region.years = widen(region.years, self.estates[v as usize].built_year);
                    region.version += 1;
                    solution.region_of[v as usize] = r;
                    changed = true;
                }
            }
            if !changed {
                return any;
            }
            any = true;
        }
    }
}
