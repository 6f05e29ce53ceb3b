//! Parallel decoding of an OpenStreetMap PBF file into flat arrays.
//!
//! A PBF file (<https://wiki.openstreetmap.org/wiki/PBF_Format>) is a sequence of blobs: one `OSMHeader`,
//! then `OSMData` blobs of up to 8,000 elements each, zlib-compressed. Blobs are read in file order by one
//! thread (`osmpbf::BlobReader`) and decompressed and decoded on all of rayon's threads (`par_bridge`);
//! each blob yields a [`BlockData`] and the blocks are put back in file order before they are joined, so
//! the result does not depend on thread count.
//!
//! What is kept:
//! - every node's id and position, as three flat arrays sorted by id (`i32` in 10⁻⁷ degrees, the PBF
//!   precision): a node is found by binary search, never through a hash map;
//! - every way's node list (flat `refs` with offsets), because any way may be a multipolygon member;
//! - the tags of the nodes, ways and relations that carry at least one key the profile reads
//!   ([`KeySet`]); all other tags are dropped while decoding;
//! - relation members (type and id; roles are not needed, see `multipolygon.rs`).
//!
//! Bad files are reported, not panicked on: a missing, empty or non-PBF file, a truncated or corrupt blob
//! (including trailing bytes that do not form a whole blob), and unsupported required features (history
//! files) each give an [`Error::Input`] naming the file. `osmpbf` itself panics on a few corrupt inputs
//! (an unknown relation member type, integer overflow in delta decoding): each blob is decoded under
//! `catch_unwind` as a last resort, which turns such a panic into the same error.

use crate::error::{Error, Result};
use osmpbf::{BlobDecode, BlobReader, RelMemberType};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The tags kept of one element, in file order, in one text buffer (two allocations per element).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tags {
    text: String,
    /// Per tag, the end of its key and the end of its value in `text`.
    ends: Vec<(u32, u32)>,
}

impl Tags {
    pub fn push(&mut self, key: &str, value: &str) {
        self.text.push_str(key);
        let key_end = self.text.len() as u32;
        self.text.push_str(value);
        self.ends.push((key_end, self.text.len() as u32));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0usize;
        self.ends.iter().map(move |&(k, v)| {
            let (k, v) = (k as usize, v as usize);
            let pair = (&self.text[start..k], &self.text[k..v]);
            start = v;
            pair
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Tags {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut tags = Tags::default();
        for (k, v) in iter {
            tags.push(k.as_ref(), v.as_ref());
        }
        tags
    }
}

/// The value of `key` in `tags`.
pub(crate) fn tag<'a>(tags: &'a Tags, key: &str) -> Option<&'a str> {
    tags.get(key)
}

/// A set of tag keys.
pub(crate) type KeySet = HashSet<Box<str>>;

/// Which elements and tags are kept while decoding.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagFilter {
    /// An element is kept when it carries at least one of these keys.
    pub wanted: KeySet,
    /// Of a kept element, only these tags are stored (the keys some rule or output reads).
    pub stored: KeySet,
}

/// Every node, sorted by id, with a bucket table over the ids: bucket `k` holds the positions of the ids
/// in `[min + k·2^shift, min + (k+1)·2^shift)`, at most one bucket per node, so a lookup is one table read
/// and a binary search over a few ids instead of over all of them.
#[derive(Debug, Default)]
pub(crate) struct NodeStore {
    pub ids: Vec<i64>,
    pub lon_e7: Vec<i32>,
    pub lat_e7: Vec<i32>,
    min_id: i64,
    shift: u32,
    /// `buckets[k]..buckets[k + 1]` are the positions in bucket `k`.
    buckets: Vec<u32>,
}

impl NodeStore {
    /// Build the bucket table (the ids must be sorted and fewer than 2³² of them).
    pub fn index(&mut self) {
        let (Some(&min), Some(&max)) = (self.ids.first(), self.ids.last()) else {
            self.buckets = vec![0];
            return;
        };
        let span = max.wrapping_sub(min) as u64;
        let n = self.ids.len() as u64;
        let mut shift = 0;
        while (span >> shift) >= n {
            shift += 1;
        }
        let n_buckets = ((span >> shift) + 1) as usize;
        let mut buckets = Vec::with_capacity(n_buckets + 1);
        let mut position = 0usize;
        for k in 0..n_buckets as u64 {
            while position < self.ids.len() && (self.ids[position].wrapping_sub(min) as u64 >> shift) < k {
                position += 1;
            }
            buckets.push(position as u32);
        }
        buckets.push(self.ids.len() as u32);
        (self.min_id, self.shift, self.buckets) = (min, shift, buckets);
    }

    /// Position of node `id`.
    pub fn find(&self, id: i64) -> Option<usize> {
        if id < self.min_id {
            return None;
        }
        let k = (id.wrapping_sub(self.min_id) as u64 >> self.shift) as usize;
        if k + 1 >= self.buckets.len() {
            return None;
        }
        let (from, to) = (self.buckets[k] as usize, self.buckets[k + 1] as usize);
        self.ids[from..to].binary_search(&id).ok().map(|i| from + i)
    }

    pub fn lon_lat(&self, i: usize) -> (f64, f64) {
        (f64::from(self.lon_e7[i]) * 1e-7, f64::from(self.lat_e7[i]) * 1e-7)
    }
}

/// Every way's node list, sorted by way id.
#[derive(Debug, Default)]
pub(crate) struct WayStore {
    pub ids: Vec<i64>,
    /// `refs[offsets[i]..offsets[i + 1]]` are the node ids of way `i`.
    pub offsets: Vec<usize>,
    pub refs: Vec<i64>,
}

impl WayStore {
    pub fn find(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    pub fn refs(&self, i: usize) -> &[i64] {
        &self.refs[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// A node with tags the profile reads (its position is in the [`NodeStore`]).
#[derive(Debug, Clone)]
pub(crate) struct TaggedNode {
    pub id: i64,
    pub tags: Tags,
}

/// A way with tags the profile reads (its nodes are in the [`WayStore`]).
#[derive(Debug, Clone)]
pub(crate) struct TaggedWay {
    pub id: i64,
    pub tags: Tags,
}

/// What a relation member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberKind {
    Node,
    Way,
    Relation,
}

/// A relation with tags the profile reads.
#[derive(Debug, Clone)]
pub(crate) struct TaggedRelation {
    pub id: i64,
    pub tags: Tags,
    pub members: Vec<(MemberKind, i64)>,
}

/// Everything kept from the file.
#[derive(Debug, Default)]
pub(crate) struct RawOsm {
    pub nodes: NodeStore,
    pub ways: WayStore,
    pub tagged_nodes: Vec<TaggedNode>,
    pub tagged_ways: Vec<TaggedWay>,
    pub relations: Vec<TaggedRelation>,
    pub nodes_read: u64,
    pub ways_read: u64,
    pub relations_read: u64,
}

/// What one blob decoded to.
#[derive(Debug, Default)]
struct BlockData {
    header_features: Option<Vec<String>>,
    node_ids: Vec<i64>,
    lon_e7: Vec<i32>,
    lat_e7: Vec<i32>,
    tagged_nodes: Vec<TaggedNode>,
    way_ids: Vec<i64>,
    way_lengths: Vec<u32>,
    refs: Vec<i64>,
    tagged_ways: Vec<TaggedWay>,
    relations: Vec<TaggedRelation>,
    relations_read: u64,
}

/// Counts the bytes the blob reader consumed, to catch trailing bytes that do not form a blob.
struct CountingReader<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

const SUPPORTED_FEATURES: [&str; 2] = ["OsmSchema-V0.6", "DenseNodes"];

const HINT_NOT_PBF: &str = "pass an OpenStreetMap .osm.pbf file (e.g. a Geofabrik extract, or convert with `osmium cat in.osm -o out.osm.pbf`)";
const HINT_CORRUPT: &str = "the file is damaged or was cut short: download or export it again; `osmium fileinfo -e FILE` checks a PBF";

/// The stored tags of an element that carries a wanted key; `None` otherwise.
fn keep<'a>(tags: impl Iterator<Item = (&'a str, &'a str)> + Clone, filter: &TagFilter) -> Option<Tags> {
    if !tags.clone().any(|(k, _)| filter.wanted.contains(k)) {
        return None;
    }
    Some(tags.filter(|(k, _)| filter.stored.contains(*k)).collect())
}

fn decode_blob(blob: &osmpbf::Blob, keys: &TagFilter) -> std::result::Result<BlockData, String> {
    let mut out = BlockData::default();
    match blob.decode().map_err(|e| e.to_string())? {
        BlobDecode::OsmHeader(header) => {
            out.header_features = Some(header.required_features().to_vec());
        }
        BlobDecode::Unknown(_) => {}
        BlobDecode::OsmData(block) => {
            // Exact sizes first, so the block's arrays are allocated once.
            let (mut n_nodes, mut n_ways, mut n_refs) = (0, 0, 0);
            for group in block.groups() {
                n_nodes += group.nodes().len() + group.dense_nodes().len();
                n_ways += group.ways().len();
                n_refs += group.ways().map(|w| w.raw_refs().len()).sum::<usize>();
            }
            out.node_ids.reserve_exact(n_nodes);
            out.lon_e7.reserve_exact(n_nodes);
            out.lat_e7.reserve_exact(n_nodes);
            out.way_ids.reserve_exact(n_ways);
            out.way_lengths.reserve_exact(n_ways);
            out.refs.reserve_exact(n_refs);
            for group in block.groups() {
                for node in group.nodes() {
                    out.node_ids.push(node.id());
                    out.lon_e7.push(node.decimicro_lon());
                    out.lat_e7.push(node.decimicro_lat());
                    if let Some(tags) = keep(node.tags(), keys) {
                        out.tagged_nodes.push(TaggedNode { id: node.id(), tags });
                    }
                }
                for node in group.dense_nodes() {
                    let (id, lon, lat) = (node.id(), node.decimicro_lon(), node.decimicro_lat());
                    out.node_ids.push(id);
                    out.lon_e7.push(lon);
                    out.lat_e7.push(lat);
                    if node.raw_tags().len() > 0
                        && let Some(tags) = keep(node.tags(), keys)
                    {
                        out.tagged_nodes.push(TaggedNode { id, tags });
                    }
                }
                for way in group.ways() {
                    let before = out.refs.len();
                    out.refs.extend(way.refs());
                    let length = u32::try_from(out.refs.len() - before).map_err(|_| format!("way w{} has more than 4 billion nodes", way.id()))?;
                    out.way_ids.push(way.id());
                    out.way_lengths.push(length);
                    if let Some(tags) = keep(way.tags(), keys) {
                        out.tagged_ways.push(TaggedWay { id: way.id(), tags });
                    }
                }
                for relation in group.relations() {
                    out.relations_read += 1;
                    if let Some(tags) = keep(relation.tags(), keys) {
                        let members = relation
                            .members()
                            .map(|m| {
                                let kind = match m.member_type {
                                    RelMemberType::Node => MemberKind::Node,
                                    RelMemberType::Way => MemberKind::Way,
                                    RelMemberType::Relation => MemberKind::Relation,
                                };
                                (kind, m.member_id)
                            })
                            .collect();
                        out.relations.push(TaggedRelation { id: relation.id(), tags, members });
                    }
                }
            }
        }
    }
    Ok(out)
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the decoder failed".to_string())
}

/// Read the whole file, keeping the tags of elements that `keys` wants.
pub(crate) fn read_pbf(path: &Path, keys: &TagFilter) -> Result<RawOsm> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::input(path, "file not found", "check the path of the .osm.pbf file"),
        _ => Error::input(path, format!("cannot read: {e}"), "check that the file exists and is readable"),
    })?;
    if metadata.is_dir() {
        return Err(Error::input(path, "is a folder, not a file", HINT_NOT_PBF));
    }
    let file_len = metadata.len();
    if file_len == 0 {
        return Err(Error::input(path, "the file is empty", HINT_NOT_PBF));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::input(path, format!("cannot open: {e}"), "check that the file is readable"))?;
    decode_pbf(path, std::io::BufReader::with_capacity(1 << 20, file), file_len, keys)
}

/// Decode a PBF held by `source` (`len` bytes long; `path` only names it in messages), keeping the tags
/// of elements that `keys` wants. [`read_pbf`] is this on a file; the fuzz target calls it on bytes.
pub(crate) fn decode_pbf<R: Read + Send>(path: &Path, source: R, len: u64, keys: &TagFilter) -> Result<RawOsm> {
    if len == 0 {
        return Err(Error::input(path, "the file is empty", HINT_NOT_PBF));
    }
    let file_len = len;
    let consumed = Arc::new(AtomicU64::new(0));
    let reader = BlobReader::new(CountingReader { inner: source, consumed: consumed.clone() });
    let end_of_blobs = AtomicU64::new(0);

    let mut blocks: Vec<(usize, std::result::Result<BlockData, String>)> = reader
        .enumerate()
        .map(|(i, blob)| (i, blob, consumed.load(Ordering::Relaxed)))
        .par_bridge()
        .map(|(i, blob, end)| {
            let decoded = match blob {
                Err(e) => Err(e.to_string()),
                Ok(blob) => {
                    end_of_blobs.fetch_max(end, Ordering::Relaxed);
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode_blob(&blob, keys)))
                        .unwrap_or_else(|payload| Err(format!("corrupt data ({})", panic_text(payload.as_ref()))))
                }
            };
            (i, decoded)
        })
        .collect();
    blocks.sort_unstable_by_key(|(i, _)| *i);

    if let Some((i, Err(problem))) = blocks.iter().find(|(_, b)| b.is_err()) {
        return Err(if *i == 0 {
            Error::input(path, format!("not an OpenStreetMap PBF file ({problem})"), HINT_NOT_PBF)
        } else {
            Error::input(path, format!("truncated or corrupt at blob {} of the file: {problem}", i + 1), HINT_CORRUPT)
        });
    }
    if blocks.is_empty() {
        return Err(Error::input(path, "not an OpenStreetMap PBF file (no blob could be read)", HINT_NOT_PBF));
    }
    match blocks.first() {
        Some((_, Ok(BlockData { header_features: Some(features), .. }))) => {
            if let Some(f) = features.iter().find(|f| !SUPPORTED_FEATURES.contains(&f.as_str())) {
                let hint = if f == "HistoricalInformation" {
                    "this is a history file; use a current extract (e.g. `osmium time-filter FILE -o current.osm.pbf`)"
                } else {
                    "convert it with `osmium cat FILE -o plain.osm.pbf`, which writes only standard features"
                };
                return Err(Error::input(path, format!("the file requires the PBF feature `{f}`, which lifecircle does not read"), hint));
            }
        }
        _ => return Err(Error::input(path, "not an OpenStreetMap PBF file (it does not start with an OSMHeader blob)", HINT_NOT_PBF)),
    }
    let end = end_of_blobs.load(Ordering::Relaxed);
    if end != file_len {
        return Err(Error::input(
            path,
            format!("truncated or corrupt: {} trailing bytes after the last whole blob (byte {end} of {file_len})", file_len.saturating_sub(end)),
            HINT_CORRUPT,
        ));
    }
    Ok(join_blocks(blocks.into_iter().filter_map(|(_, b)| b.ok()).collect()))
}

/// Join the blocks in file order; sort by id only when the file is not sorted (keeping the first copy of
/// a duplicated id).
fn join_blocks(blocks: Vec<BlockData>) -> RawOsm {
    let n_nodes: usize = blocks.iter().map(|b| b.node_ids.len()).sum();
    let n_ways: usize = blocks.iter().map(|b| b.way_ids.len()).sum();
    let n_refs: usize = blocks.iter().map(|b| b.refs.len()).sum();
    let mut raw = RawOsm::default();
    raw.nodes.ids.reserve_exact(n_nodes);
    raw.nodes.lon_e7.reserve_exact(n_nodes);
    raw.nodes.lat_e7.reserve_exact(n_nodes);
    raw.ways.ids.reserve_exact(n_ways);
    raw.ways.offsets.reserve_exact(n_ways + 1);
    raw.ways.offsets.push(0);
    raw.ways.refs.reserve_exact(n_refs);
    for b in blocks {
        raw.nodes.ids.extend_from_slice(&b.node_ids);
        raw.nodes.lon_e7.extend_from_slice(&b.lon_e7);
        raw.nodes.lat_e7.extend_from_slice(&b.lat_e7);
        raw.ways.ids.extend_from_slice(&b.way_ids);
        let mut offset = raw.ways.refs.len();
        for len in &b.way_lengths {
            offset += *len as usize;
            raw.ways.offsets.push(offset);
        }
        raw.ways.refs.extend_from_slice(&b.refs);
        raw.tagged_nodes.extend(b.tagged_nodes);
        raw.tagged_ways.extend(b.tagged_ways);
        raw.relations.extend(b.relations);
        raw.relations_read += b.relations_read;
    }
    raw.nodes_read = n_nodes as u64;
    raw.ways_read = n_ways as u64;
    if !raw.nodes.ids.windows(2).all(|w| w[0] < w[1]) {
        sort_nodes(&mut raw.nodes);
    }
    raw.nodes.index();
    if !raw.ways.ids.windows(2).all(|w| w[0] < w[1]) {
        sort_ways(&mut raw.ways);
    }
    raw.tagged_nodes.sort_by_key(|n| n.id);
    raw.tagged_nodes.dedup_by_key(|n| n.id);
    raw.tagged_ways.sort_by_key(|w| w.id);
    raw.tagged_ways.dedup_by_key(|w| w.id);
    raw.relations.sort_by_key(|r| r.id);
    raw.relations.dedup_by_key(|r| r.id);
    raw
}

fn sort_nodes(nodes: &mut NodeStore) {
    let mut order: Vec<usize> = (0..nodes.ids.len()).collect();
    order.par_sort_by_key(|&i| nodes.ids[i]); // stable: the first copy of a duplicate stays first
    order.dedup_by_key(|i| nodes.ids[*i]);
    *nodes = NodeStore {
        ids: order.iter().map(|&i| nodes.ids[i]).collect(),
        lon_e7: order.iter().map(|&i| nodes.lon_e7[i]).collect(),
        lat_e7: order.iter().map(|&i| nodes.lat_e7[i]).collect(),
        ..NodeStore::default()
    };
}

fn sort_ways(ways: &mut WayStore) {
    let mut order: Vec<usize> = (0..ways.ids.len()).collect();
    order.par_sort_by_key(|&i| ways.ids[i]);
    order.dedup_by_key(|i| ways.ids[*i]);
    let mut sorted = WayStore { ids: Vec::with_capacity(order.len()), offsets: vec![0], refs: Vec::with_capacity(ways.refs.len()) };
    for i in order {
        sorted.ids.push(ways.ids[i]);
        sorted.refs.extend_from_slice(ways.refs(i));
        sorted.offsets.push(sorted.refs.len());
    }
    *ways = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucketed_lookup_agrees_with_binary_search() {
        // Clustered and sparse ids, like a real extract: runs of consecutive ids far apart.
        let mut ids: Vec<i64> = (0..500).map(|i| 1_000 + i).chain((0..300).map(|i| 9_000_000_000 + 7 * i)).chain([i64::MAX - 1, i64::MIN + 1]).collect();
        ids.sort_unstable();
        let mut store = NodeStore { lon_e7: vec![0; ids.len()], lat_e7: vec![0; ids.len()], ids: ids.clone(), ..NodeStore::default() };
        store.index();
        assert!(store.buckets.len() <= ids.len() + 2);
        for probe in ids.iter().flat_map(|&i| [i - 1, i, i + 1]).chain([i64::MIN, -5, 0, i64::MAX]) {
            assert_eq!(store.find(probe), ids.binary_search(&probe).ok(), "{probe}");
        }
        let mut empty = NodeStore::default();
        empty.index();
        assert_eq!(empty.find(1), None);
    }

    #[test]
    fn unsorted_blocks_are_sorted_and_deduplicated() {
        let block = |ids: &[i64], ways: &[(i64, &[i64])]| BlockData {
            node_ids: ids.to_vec(),
            lon_e7: ids.iter().map(|&i| i as i32 * 10).collect(),
            lat_e7: ids.iter().map(|&i| -(i as i32)).collect(),
            way_ids: ways.iter().map(|w| w.0).collect(),
            way_lengths: ways.iter().map(|w| w.1.len() as u32).collect(),
            refs: ways.iter().flat_map(|w| w.1.iter().copied()).collect(),
            ..BlockData::default()
        };
        let raw = join_blocks(vec![block(&[5, 9], &[(20, &[5, 9])]), block(&[1, 5, 7], &[(10, &[1, 7, 1]), (20, &[7])])]);
        assert_eq!(raw.nodes.ids, vec![1, 5, 7, 9]);
        assert_eq!(raw.nodes.lon_e7, vec![10, 50, 70, 90]);
        assert_eq!(raw.nodes.find(7), Some(2));
        assert_eq!(raw.nodes.find(8), None);
        assert_eq!(raw.nodes_read, 5);
        assert_eq!(raw.ways.ids, vec![10, 20]);
        assert_eq!(raw.ways.refs(0), &[1, 7, 1]);
        // The first copy of way 20 (in file order) is kept.
        assert_eq!(raw.ways.refs(raw.ways.find(20).unwrap()), &[5, 9]);
    }
}
