//! The walking network: the graph people walk on, where estates and facilities join it, and shortest
//! walking distances over it.
//!
//! Files, one algorithm each: [`walk_rules`] (which ways are walked), [`compounds`] (gated compounds'
//! internal ways), [`graph`] (nodes, edges, CSR adjacency), [`islands`] (connected components),
//! [`snap`] (nearest network point, R-tree), [`access`] (estate access points, facility entrances),
//! [`estate_search`] (bounded per-estate Dijkstra to every facility within reach), [`dijkstra`]
//! (bounded multi-source multi-label search from a category's facilities), [`service_area`] (reach as
//! lines and polygons), [`terrain`] (effort lengths of edges on a DEM), [`walker`] (older walkers and
//! wheelchair users: dearer steps and slopes, closed ways).
//!
//! # The distance contract
//!
//! The walking distance from an estate to a facility is
//!
//! > **d = min over the estate's access points A and the facility's entrances F of
//! > (offset(A) + network(A′, F′) + offset(F))**
//!
//! where:
//! - **Access points** of an estate are its open gates (gates within `gate_distance_m` = 20 m of its
//!   boundary, each gate belonging to one estate), or, for an estate without gates, the points where
//!   public walkable ways cross or meet its boundary, or, failing those, the network point nearest to its
//!   boundary (`--access gates|boundary|centroid`; `centroid` snaps the centroid instead, for comparison
//!   with simpler tools). Walking inside the compound, from a home to the gate, is not counted.
//! - **Entrances** of a facility are its point, or, for an area (park, school), its open gates in or on
//!   it, else where public ways cross or meet its boundary, else the network point nearest to its boundary.
//! - **A′, F′** are the points snapped to the nearest point of the nearest public network edge (an R-tree
//!   over edge segments); **offset** is the straight distance from the point to its snapped point.
//! - **network(A′, F′)** is the shortest path along edges, entering each edge at the snapped point and
//!   leaving it in either direction (or staying on the edge when both lie on the same edge). Edge lengths
//!   are measured in the projected working CRS (UTM: scale error under 0.04 %).
//! - A point whose offset exceeds `max_snap_m` (default 200 m) cannot be used; a feature with no usable
//!   point is unreachable and goes to rejects with the reason.
//! - The public network excludes ways the walk rules exclude and every compound's internal ways (private
//!   ways in an estate; service roads inside an estate), so no route passes through somebody else's
//!   compound. The open-the-walls scenario adds the internal ways back.
//! - Barriers (railways, rivers, arterial roads) are not added to the graph: walks cross them only where
//!   the mapped ways do (bridges, crossings, junctions), which is what the shared-vertex topology gives.
//! - An estate's distance to a category is the minimum over that category's facilities. Searches stop at
//!   `search_radius_factor` (1.5) × the largest threshold: beyond it the distance is "none within reach".
//! - Ties between facilities at equal distance go to the lexicographically smaller facility id.
//! - With a DEM (`--dem`), every length above that lies along an edge is its *effort length* instead
//!   ([`terrain`]: Tobler's pace, going and coming back averaged, so still the same both ways); snap
//!   offsets stay flat metres. The thresholds then compare flat-equivalent metres.

pub mod access;
pub mod compounds;
pub mod dijkstra;
pub mod estate_search;
pub mod graph;
pub mod islands;
pub mod service_area;
pub mod snap;
pub mod terrain;
pub mod walker;
pub mod walk_rules;

use crate::profile::WalkRules;
use access::NetworkContext;
use compounds::{PieceAccess, WayPiece};
use graph::WalkGraph;
use islands::{Islands, network_islands};
use snap::SegmentIndex;

/// A built walking graph with its segment index and components.
pub struct WalkNetwork {
    pub graph: WalkGraph,
    pub index: SegmentIndex,
    pub islands: Islands,
}

impl WalkNetwork {
    /// Build from way pieces, keeping those `include` accepts.
    pub fn build(pieces: &[WayPiece], include: impl Fn(PieceAccess) -> bool) -> WalkNetwork {
        let mut graph = WalkGraph::build(pieces, include);
        graph.order_nodes_along_hilbert_curve();
        let index = SegmentIndex::new(&graph);
        let islands = network_islands(&graph);
        WalkNetwork { graph, index, islands }
    }

    /// The public network: compound-internal pieces left out.
    pub fn public(pieces: &[WayPiece]) -> WalkNetwork {
        WalkNetwork::build(pieces, |a| a == PieceAccess::Public)
    }

    pub fn context<'a>(&'a self, rules: &'a WalkRules) -> NetworkContext<'a> {
        NetworkContext { graph: &self.graph, index: &self.index, rules }
    }
}
