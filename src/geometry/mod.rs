//! The ground floor of geometry: the plumbing every analysis shares, so that no other room talks to the
//! C libraries directly. Today: Well-Known Binary ([`wkb`]), the exchange format with GDAL.

pub mod wkb;
