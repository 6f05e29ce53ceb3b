//! Shards of a batch: the areas cut into N groups of about equal estimated work, computed the same way by
//! every process that is given the same inputs, so that a scheduler runs `lifecircle batch --shard K/N`
//! for K = 1 … N (a Slurm array, a Kubernetes Indexed Job, GNU parallel over hosts) with no coordinator,
//! and `lifecircle batch --merge` checks afterwards that the shards it is given are all of one batch.
//!
//! The assignment is the *longest processing time first* rule (LPT; R. L. Graham, "Bounds on
//! multiprocessing timing anomalies", SIAM J. Appl. Math. 17(2), 1969, pp. 416-429), made deterministic:
//! 1. estimate each area's work before anything runs ([`AreaWork::work`]): with `--areas`, (estates
//!    inside + 1) × (vertices of the ways within the area's reach + 1), the issue's "estates × network
//!    size" ([`super::estimated_work`]); with `--inputs`, the file's size in KiB plus a fixed cost per
//!    file, as measured ([`super::FILE_FIXED_WORK_KIB`]);
//! 2. sort the areas by work, largest first, ties by area id (byte order);
//! 3. give each area in turn to the shard with the least work so far; on ties, the one with the fewest
//!    areas (so areas estimated at no work still spread), then the lowest shard number.
//!
//! The largest shard's work is then at most (4/3 − 1/(3N)) times the best possible (Graham 1969,
//! Theorem 2). Work estimates are integers, so the result is the same on every machine and with any
//! thread count. O(A log A + A log N) for A areas.
//!
//! Shards are numbered from 1 (`--shard 1/3` … `--shard 3/3`), as Slurm's `$SLURM_ARRAY_TASK_ID` with
//! `--array=1-N` and GNU parallel's `{#}`; a Kubernetes Indexed Job counts from 0, so its manifest passes
//! `$((JOB_COMPLETION_INDEX + 1))`. A shard given more shards than areas may get none: it then writes an
//! empty table and its `shard.json`, so the merge still sees every shard.
//!
//! ```
//! use lifecircle::pipeline::batch::shard::{assign, AreaWork};
//! let areas: Vec<AreaWork> = [("a", 7), ("b", 5), ("c", 4), ("d", 3), ("e", 3)].iter().map(|(id, w)| AreaWork { area_id: id.to_string(), work: *w }).collect();
//! // LPT: a→1, b→2, c→2 (5 < 7), d→1 (7 < 9), e→2 (9 < 10): shard loads 10 and 12.
//! assert_eq!(assign(&areas, 2), vec![1, 2, 2, 1, 2]);
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};

/// `--shard K/N`: the K-th (from 1) of N shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `count`.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole batch as one shard (no `--shard`).
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N` with 1 ≤ K ≤ N.
    ///
    /// ```
    /// use lifecircle::pipeline::batch::shard::Shard;
    /// assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
    /// assert!("0/3".parse::<Shard>().unwrap_err().contains("counted from 1"));
    /// ```
    fn from_str(text: &str) -> std::result::Result<Shard, String> {
        let what = "write K/N, the K-th of N shards, K counted from 1 (e.g. --shard 2/3; a Kubernetes Indexed Job passes $((JOB_COMPLETION_INDEX + 1))/N)";
        let (k, n) = text.trim().split_once('/').ok_or_else(|| format!("`{text}` is not K/N: {what}"))?;
        let number = |s: &str| s.trim().parse::<usize>().map_err(|_| format!("`{text}`: `{}` is not a whole number: {what}", s.trim()));
        let (index, count) = (number(k)?, number(n)?);
        if count == 0 {
            return Err(format!("`{text}`: N must be at least 1: {what}"));
        }
        if index == 0 || index > count {
            return Err(format!("`{text}`: K must be between 1 and {count}: {what}"));
        }
        Ok(Shard { index, count })
    }
}

/// An area and its estimated work, the unit of the assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaWork {
    pub area_id: String,
    /// Estimated work, in arbitrary units comparable between the areas of one batch.
    pub work: u64,
}

/// The shard (from 1 to `count`) of every area, in the order given: longest processing time first over
/// the areas sorted by (work descending, id ascending), each to the least loaded shard (then the one with
/// the fewest areas, then the lowest number). `count` 0 is taken as 1.
pub fn assign(areas: &[AreaWork], count: usize) -> Vec<usize> {
    let count = count.max(1);
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by(|&a, &b| areas[b].work.cmp(&areas[a].work).then_with(|| areas[a].area_id.cmp(&areas[b].area_id)));
    // Min-heap of (load, areas, shard number): the least loaded shard, then the fewest areas, then the
    // lowest number.
    let mut loads: BinaryHeap<Reverse<(u128, usize, usize)>> = (1..=count).map(|k| Reverse((0, 0, k))).collect();
    let mut shard_of = vec![0; areas.len()];
    for i in order {
        let Some(Reverse((load, held, k))) = loads.pop() else { break };
        shard_of[i] = k;
        loads.push(Reverse((load + u128::from(areas[i].work), held + 1, k)));
    }
    shard_of
}

/// SHA-256 of the whole assignment (every area id with its shard, sorted by id): equal in every shard
/// of one batch, so the merge can tell shards computed on other areas or another N.
pub fn assignment_sha256(areas: &[AreaWork], shard_of: &[usize]) -> String {
    let mut rows: Vec<(&str, usize)> = areas.iter().map(|a| a.area_id.as_str()).zip(shard_of.iter().copied()).collect();
    rows.sort();
    let text: String = rows.iter().map(|(id, k)| format!("{id}\t{k}\n")).collect();
    crate::provenance::sha256_hex(text.as_bytes())
}

/// The name of the record each batch folder holds.
pub const SHARD_RECORD: &str = "shard.json";

/// `shard.json`: which shard of which batch a folder holds, written after its `batch_summary.csv` (so
/// its presence says the shard finished); an unsharded batch writes one too, as shard 1/1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// K, from 1.
    pub shard: usize,
    /// N.
    pub shards: usize,
    /// `areas` (one input, areas of a polygon layer) or `inputs` (one file per area).
    pub mode: String,
    /// SHA-256 over what decides the results: the lifecircle version, the input files' sizes and
    /// checksums (not their paths, which differ between hosts), the areas layer and the run's options.
    pub batch_sha256: String,
    /// [`assignment_sha256`] of the whole batch.
    pub assignment_sha256: String,
    /// Areas in the whole batch.
    pub areas_total: usize,
    /// This shard's areas with their estimated work, by id.
    pub areas: Vec<AreaWork>,
    /// The estimated work of this shard, and of the largest shard of the batch.
    pub work: u128,
    pub largest_shard_work: u128,
}

impl ShardRecord {
    /// The record of shard `shard` of the batch of `areas`.
    pub fn new(shard: Shard, mode: &str, batch_sha256: String, areas: &[AreaWork]) -> ShardRecord {
        let shard_of = assign(areas, shard.count);
        let mut loads = vec![0u128; shard.count];
        for (a, &k) in areas.iter().zip(&shard_of) {
            loads[k - 1] += u128::from(a.work);
        }
        let mut mine: Vec<AreaWork> = areas.iter().zip(&shard_of).filter(|(_, k)| **k == shard.index).map(|(a, _)| a.clone()).collect();
        mine.sort_by(|a, b| a.area_id.cmp(&b.area_id));
        ShardRecord {
            shard: shard.index,
            shards: shard.count,
            mode: mode.to_string(),
            batch_sha256,
            assignment_sha256: assignment_sha256(areas, &shard_of),
            areas_total: areas.len(),
            areas: mine,
            work: loads[shard.index - 1],
            largest_shard_work: loads.iter().copied().max().unwrap_or(0),
        }
    }

    /// Read `DIR/shard.json`.
    pub fn read(dir: &Path) -> Result<ShardRecord> {
        let path = dir.join(SHARD_RECORD);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::input(dir, format!("has no readable {SHARD_RECORD} ({e}): it is not the --out of a finished `lifecircle batch` run"), "run (or finish) that shard's `lifecircle batch ... --shard K/N --out DIR` first, then merge its folder")
        })?;
        serde_json::from_str(&text).map_err(|e| Error::input(&path, format!("is not a shard record: {e}"), "give the folders `lifecircle batch --shard K/N` wrote, unchanged"))
    }

    /// Whether an earlier run into the same folder was this same shard of this same batch; a folder is
    /// resumed only by its own shard.
    pub fn check_same_shard(&self, dir: &Path, earlier: &ShardRecord) -> Result<()> {
        if earlier.shard != self.shard || earlier.shards != self.shards || earlier.batch_sha256 != self.batch_sha256 || earlier.assignment_sha256 != self.assignment_sha256 {
            return Err(Error::input(
                dir,
                format!("holds shard {}/{} of another batch (or of other inputs or options); this run is shard {}/{}", earlier.shard, earlier.shards, self.shard, self.shards),
                "give every shard, and every batch, its own --out folder (e.g. out/shard-K), or remove the old folder",
            ));
        }
        Ok(())
    }
}

/// Check that the records read from `folders` are all N shards of one batch, each once, and that together
/// they hold every area once: else an input error naming the folder at fault and what to run.
pub fn check_complete(shards: &[(PathBuf, ShardRecord)]) -> Result<()> {
    let Some((first_dir, first)) = shards.first() else {
        return Err(Error::Usage("--merge needs the folders of the shards to combine (e.g. --merge out/shard-1 out/shard-2 out/shard-3)".into()));
    };
    for (dir, r) in shards {
        if r.shards != first.shards {
            return Err(Error::input(dir, format!("is shard {}/{}, but {} is shard {}/{}: shards of different N", r.shard, r.shards, first_dir.display(), first.shard, first.shards), "merge the N folders of one `--shard K/N` run"));
        }
        if r.batch_sha256 != first.batch_sha256 || r.mode != first.mode || r.areas_total != first.areas_total || r.assignment_sha256 != first.assignment_sha256 {
            return Err(Error::input(
                dir,
                format!("was run on other inputs, areas, options or lifecircle version than {} (their shard.json differ in batch_sha256 / assignment_sha256)", first_dir.display()),
                "merge only shards of one batch: the same lifecircle, inputs and flags, only --shard K/N and --out differing",
            ));
        }
    }
    let mut seen: Vec<Option<&PathBuf>> = vec![None; first.shards];
    for (dir, r) in shards {
        if r.shard == 0 || r.shard > r.shards {
            return Err(Error::input(dir, format!("records shard {}/{}, which does not exist", r.shard, r.shards), "give the folders `lifecircle batch --shard K/N` wrote, unchanged"));
        }
        if let Some(other) = seen[r.shard - 1] {
            return Err(Error::input(dir, format!("is shard {}/{}, as is {}: a shard given twice", r.shard, r.shards, other.display()), "give each shard's folder once"));
        }
        seen[r.shard - 1] = Some(dir);
    }
    let missing: Vec<String> = seen.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{}/{}", k + 1, first.shards)).collect();
    if !missing.is_empty() {
        return Err(Error::input(
            first_dir,
            format!("is one of {} shards, but shard {} is missing from --merge", first.shards, missing.join(", ")),
            format!("run `lifecircle batch ... --shard {} --out DIR` with the same inputs and flags and add its folder", missing[0]),
        ));
    }
    let mut ids = std::collections::BTreeMap::new();
    for (dir, r) in shards {
        for a in &r.areas {
            if let Some(other) = ids.insert(a.area_id.as_str(), dir) {
                return Err(Error::input(dir, format!("holds area `{}`, as does {}", a.area_id, other.display()), "give the folders `lifecircle batch --shard K/N` wrote, unchanged"));
            }
        }
    }
    if ids.len() != first.areas_total {
        return Err(Error::input(first_dir, format!("the shards hold {} areas, the batch has {}", ids.len(), first.areas_total), "give the folders `lifecircle batch --shard K/N` wrote, unchanged"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn works(list: &[(&str, u64)]) -> Vec<AreaWork> {
        list.iter().map(|(id, w)| AreaWork { area_id: id.to_string(), work: *w }).collect()
    }

    #[test]
    fn shard_values_parse_or_say_what_to_write() {
        assert_eq!("1/1".parse::<Shard>(), Ok(Shard::WHOLE));
        assert_eq!(" 3 / 8 ".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["0/3", "4/3", "3", "a/3", "1/0", "-1/3", "1/3/4", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("write K/N") && e.contains("--shard 2/3"), "{bad}: {e}");
        }
        assert_eq!(Shard { index: 2, count: 5 }.to_string(), "2/5");
    }

    #[test]
    fn edges_no_areas_one_shard_more_shards_than_areas_equal_work() {
        assert!(assign(&[], 3).is_empty());
        assert_eq!(assign(&works(&[("a", 5), ("b", 1)]), 1), vec![1, 1]);
        assert_eq!(assign(&works(&[("a", 5), ("b", 1)]), 0), vec![1, 1]);
        // More shards than areas: one area each, shards 3 and 4 empty.
        assert_eq!(assign(&works(&[("a", 5), ("b", 1)]), 4), vec![1, 2]);
        // Equal work: id order decides, round robin.
        assert_eq!(assign(&works(&[("d", 1), ("c", 1), ("b", 1), ("a", 1)]), 2), vec![2, 1, 2, 1]);
        // Zero work is still assigned.
        assert_eq!(assign(&works(&[("a", 0), ("b", 0), ("c", 0)]), 2), vec![1, 2, 1]);
    }

    #[test]
    fn lpt_meets_its_hand_worked_answer_and_graham_bound() {
        // Graham's tight example for N = 2: works 3,3,2,2,2. LPT: 3→1, 3→2, 2→1, 2→2, 2→1: loads 7, 5;
        // the optimum is 6 (3+3, 2+2+2), 7/6 ≤ 4/3 − 1/6 = 7/6.
        let a = works(&[("a", 3), ("b", 3), ("c", 2), ("d", 2), ("e", 2)]);
        assert_eq!(assign(&a, 2), vec![1, 2, 1, 2, 1]);
        let r = ShardRecord::new(Shard { index: 1, count: 2 }, "areas", "x".into(), &a);
        assert_eq!((r.work, r.largest_shard_work), (7, 7));
        assert_eq!(r.areas.iter().map(|a| a.area_id.as_str()).collect::<Vec<_>>(), vec!["a", "c", "e"]);
    }

    #[test]
    fn the_assignment_does_not_depend_on_input_order() {
        let a = works(&[("x", 10), ("y", 10), ("z", 3), ("w", 8), ("v", 1), ("u", 7)]);
        let mut reversed = a.clone();
        reversed.reverse();
        let by_id = |areas: &[AreaWork], shards: Vec<usize>| {
            let mut rows: Vec<(String, usize)> = areas.iter().map(|a| a.area_id.clone()).zip(shards).collect();
            rows.sort();
            rows
        };
        for n in 1..=7 {
            assert_eq!(by_id(&a, assign(&a, n)), by_id(&reversed, assign(&reversed, n)), "N = {n}");
            assert_eq!(assignment_sha256(&a, &assign(&a, n)), assignment_sha256(&reversed, &assign(&reversed, n)));
        }
        assert_ne!(assignment_sha256(&a, &assign(&a, 2)), assignment_sha256(&a, &assign(&a, 3)));
    }

    fn records(n: usize) -> Vec<(PathBuf, ShardRecord)> {
        let a = works(&[("a", 3), ("b", 3), ("c", 2), ("d", 2), ("e", 2)]);
        (1..=n).map(|k| (PathBuf::from(format!("out/shard-{k}")), ShardRecord::new(Shard { index: k, count: n }, "areas", "same".into(), &a))).collect()
    }

    #[test]
    fn complete_shards_pass_and_missing_duplicate_or_foreign_ones_name_the_folder() {
        check_complete(&records(3)).unwrap();
        check_complete(&records(1)).unwrap();
        let mut missing = records(3);
        missing.remove(1);
        let e = check_complete(&missing).unwrap_err().to_string();
        assert!(e.contains("out/shard-1") && e.contains("shard 2/3 is missing") && e.contains("--shard 2/3"), "{e}");
        let mut twice = records(3);
        twice.push((PathBuf::from("copy"), twice[0].1.clone()));
        let e = check_complete(&twice).unwrap_err().to_string();
        assert!(e.starts_with("copy: is shard 1/3, as is out/shard-1"), "{e}");
        let mut other_n = records(3);
        other_n[2] = records(4).remove(2);
        let e = check_complete(&other_n).unwrap_err().to_string();
        assert!(e.contains("out/shard-3") && e.contains("different N"), "{e}");
        let mut other_inputs = records(3);
        other_inputs[1].1.batch_sha256 = "other".into();
        let e = check_complete(&other_inputs).unwrap_err().to_string();
        assert!(e.starts_with("out/shard-2: was run on other inputs"), "{e}");
        let mut lost_area = records(3);
        lost_area[0].1.areas.pop();
        assert!(check_complete(&lost_area).unwrap_err().to_string().contains("hold 4 areas, the batch has 5"));
        assert!(matches!(check_complete(&[]), Err(Error::Usage(_))));
    }
}
