//! Stage 3 of the OpenStreetMap read: way node ids → positions in the decoded node arrays (binary search
//! over the ids sorted by `pbf.rs`), for the classified nodes, ways and the member ways of
//! `type=multipolygon` / `type=boundary` relations; rayon over elements, results in file id order. A way
//! whose nodes the file does not hold (an extract cut it) keeps a [`MissingNodes`] count for its reject;
//! a relation whose member way or nodes are missing keeps the reject code and explanation.

use super::classify::{Classes, Classifier};
use crate::model::RejectCode;
use super::pbf::{MemberKind, RawOsm, Tags, tag};
use rayon::prelude::*;

/// Nodes of a way that the file does not hold, and the longest run of consecutive nodes it does hold.
#[derive(Debug, Clone)]
pub(super) struct MissingNodes {
    pub(super) missing: usize,
    pub(super) total: usize,
    pub(super) first: i64,
    /// The longest run of consecutive nodes present (the first such run on a tie): the index of its
    /// first node in the way's node list and the nodes' positions. A line cut at the extract's edge is
    /// kept as this run (clipped at the last node present).
    pub(super) longest_run: (usize, Vec<u32>),
}

/// Positions of a way's nodes, or how many the file lacks.
fn resolve_refs(raw: &RawOsm, refs: &[i64]) -> std::result::Result<Vec<u32>, MissingNodes> {
    let mut positions = Vec::with_capacity(refs.len());
    let mut missing = 0;
    let mut first = 0;
    let (mut run_start, mut best): (usize, (usize, Vec<u32>)) = (0, (0, Vec::new()));
    for (i, &id) in refs.iter().enumerate() {
        match raw.nodes.find(id) {
            Some(p) => positions.push(p as u32),
            None => {
                if missing == 0 {
                    first = id;
                }
                missing += 1;
                if positions.len() - run_start > best.1.len() {
                    best = (i - (positions.len() - run_start), positions[run_start..].to_vec());
                }
                run_start = positions.len();
            }
        }
    }
    if missing == 0 {
        return Ok(positions);
    }
    if positions.len() - run_start > best.1.len() {
        best = (refs.len() - (positions.len() - run_start), positions[run_start..].to_vec());
    }
    Err(MissingNodes { missing, total: refs.len(), first, longest_run: best })
}

/// A classified node and its position in the node arrays (`None`: the file lacks it).
pub(super) struct NodeElement<'r, 'p> {
    pub(super) id: i64,
    pub(super) tags: &'r Tags,
    pub(super) classes: Classes<'p>,
    pub(super) position: Option<u32>,
}

/// A classified way with its node ids and their positions, or the count of those missing.
pub(super) struct WayElement<'r, 'p> {
    pub(super) id: i64,
    pub(super) tags: &'r Tags,
    pub(super) classes: Classes<'p>,
    pub(super) refs: &'r [i64],
    pub(super) positions: std::result::Result<Vec<u32>, MissingNodes>,
}

/// A member way of a relation, resolved.
pub(super) struct MemberNodes<'r> {
    pub(super) way_id: i64,
    pub(super) refs: &'r [i64],
    pub(super) positions: Vec<u32>,
}

/// A classified relation with its member ways resolved.
pub(super) struct RelationElement<'r, 'p> {
    pub(super) id: i64,
    pub(super) tags: &'r Tags,
    pub(super) classes: Classes<'p>,
    /// The member ways, or why the relation cannot be assembled (code, explanation).
    pub(super) members: std::result::Result<Vec<MemberNodes<'r>>, (RejectCode, String)>,
}

/// Every classified element, resolved, in file id order.
pub(super) struct Elements<'r, 'p> {
    pub(super) nodes: Vec<NodeElement<'r, 'p>>,
    pub(super) ways: Vec<WayElement<'r, 'p>>,
    pub(super) relations: Vec<RelationElement<'r, 'p>>,
}

/// Whether a relation is read as an area (`type=multipolygon` or `type=boundary`).
pub(super) fn is_area_relation(tags: &Tags) -> bool {
    matches!(tag(tags, "type"), Some("multipolygon") | Some("boundary"))
}

/// Classify the tagged elements and resolve the node references of those that feed a layer.
pub(super) fn resolve<'r, 'p>(raw: &'r RawOsm, classifier: &Classifier<'p>) -> Elements<'r, 'p> {
    let nodes = raw
        .tagged_nodes
        .par_iter()
        .filter_map(|n| {
            let classes = classifier.classify(&n.tags);
            (!classes.is_empty()).then(|| NodeElement { id: n.id, tags: &n.tags, classes, position: raw.nodes.find(n.id).map(|p| p as u32) })
        })
        .collect();
    let ways = raw
        .tagged_ways
        .par_iter()
        .filter_map(|w| {
            let classes = classifier.classify(&w.tags);
            if classes.is_empty() {
                return None;
            }
            let refs = raw.ways.find(w.id).map(|i| raw.ways.refs(i)).unwrap_or(&[]);
            let positions = resolve_refs(raw, refs);
            Some(WayElement { id: w.id, tags: &w.tags, classes, refs, positions })
        })
        .collect();
    let relations = raw
        .relations
        .par_iter()
        .filter_map(|r| {
            let classes = classifier.classify(&r.tags);
            if classes.is_empty() {
                return None;
            }
            let members = if is_area_relation(&r.tags) { resolve_members(raw, &r.members) } else { Ok(Vec::new()) };
            Some(RelationElement { id: r.id, tags: &r.tags, classes, members })
        })
        .collect();
    Elements { nodes, ways, relations }
}

/// The member ways of an area relation, resolved; the first missing way or node ends it with a reject code.
fn resolve_members<'r>(raw: &'r RawOsm, members: &[(MemberKind, i64)]) -> std::result::Result<Vec<MemberNodes<'r>>, (RejectCode, String)> {
    let mut out = Vec::new();
    for &(kind, way_id) in members {
        if kind != MemberKind::Way {
            continue;
        }
        let Some(i) = raw.ways.find(way_id) else {
            return Err((RejectCode::MultipolygonMissingWay, RejectCode::MultipolygonMissingWay.particulars("cut", &[("way", &way_id)])));
        };
        let refs = raw.ways.refs(i);
        let positions = resolve_refs(raw, refs).map_err(|m| {
            (RejectCode::MultipolygonMissingNodes, RejectCode::MultipolygonMissingNodes.particulars("cut", &[("way", &way_id), ("missing", &m.missing), ("total", &m.total), ("first", &m.first)]))
        })?;
        out.push(MemberNodes { way_id, refs, positions });
    }
    Ok(out)
}
