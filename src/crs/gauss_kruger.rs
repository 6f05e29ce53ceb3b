//! CGCS2000 3-degree Gauss-Krüger zones, the CRS of Chinese planning institutes' own layers: which EPSG
//! code a zone has, which zone a longitude falls in, and which zone a layer's coordinates were drawn in
//! when its file does not say (a Shapefile without `.prj`) or says wrongly.
//!
//! EPSG numbering (EPSG registry, "CGCS2000 / 3-degree Gauss-Kruger ..."): zones 25-45, central
//! meridians 75°E-135°E in 3° steps, false easting 500 km;
//! - *with the zone number in the easting* (`zone 39`: easting 39 500 000 at the meridian):
//!   EPSG:4513 (zone 25, CM 75°E) … EPSG:4533 (zone 45, CM 135°E);
//! - *without* (`CM 117E`: easting 500 000): EPSG:4534 (CM 75°E) … EPSG:4554 (CM 135°E).
//!
//! A zone is 3° wide (±1.5° from its meridian, ±~140 km at 32°N), but institutes keep a city in one
//! zone even where it spills over, so eastings 500 km ± 330 km are accepted as "looks like GK"
//! (beyond that the scale error passes 1/1000 even at 20°N).
//!
//! ```
//! use lifecircle::crs::gauss_kruger::{cgcs2000_gk_epsg, central_meridian_for, zone_of_epsg};
//! // Nanjing, 118.8°E: 1.2° from the meridian 120°E, 1.8° from 117°E, so zone 40 (118.5°E-121.5°E):
//! // EPSG:4549 without the zone prefix, EPSG:4528 with it.
//! assert_eq!(central_meridian_for(118.8), 120);
//! assert_eq!(cgcs2000_gk_epsg(120, false), Some(4549));
//! assert_eq!(cgcs2000_gk_epsg(120, true), Some(4528));
//! assert_eq!(zone_of_epsg(4547), Some((114, false)));
//! ```

use crate::crs::Transformer;
use geo_types::{Coord, Rect};

/// The central meridians of the CGCS2000 3° GK zones EPSG defines.
pub const MERIDIANS: std::ops::RangeInclusive<u32> = 75..=135;

/// The EPSG code of the CGCS2000 3° GK zone with central meridian `cm_deg` (75…135, a multiple of 3),
/// with or without the zone number in front of the easting.
pub fn cgcs2000_gk_epsg(cm_deg: u32, zone_prefix: bool) -> Option<u32> {
    if !MERIDIANS.contains(&cm_deg) || !cm_deg.is_multiple_of(3) {
        return None;
    }
    let step = (cm_deg - 75) / 3;
    Some(if zone_prefix { 4513 + step } else { 4534 + step })
}

/// The central meridian and whether the easting carries the zone number, of a CGCS2000 3° GK code.
pub fn zone_of_epsg(epsg: u32) -> Option<(u32, bool)> {
    match epsg {
        4513..=4533 => Some((75 + 3 * (epsg - 4513), true)),
        4534..=4554 => Some((75 + 3 * (epsg - 4534), false)),
        _ => None,
    }
}

/// The nearest 3° meridian to a longitude (the zone it lies in), clamped to the zones EPSG defines.
pub fn central_meridian_for(lon: f64) -> u32 {
    ((lon / 3.0).round() * 3.0).clamp(75.0, 135.0) as u32
}

/// A short name of a CGCS2000 GK code for messages.
pub fn describe(epsg: u32) -> String {
    match zone_of_epsg(epsg) {
        Some((cm, true)) => format!("EPSG:{epsg} (CGCS2000 3° Gauss-Krüger zone {}, CM {cm}°E, zone number in the easting)", cm / 3),
        Some((cm, false)) => format!("EPSG:{epsg} (CGCS2000 3° Gauss-Krüger CM {cm}°E, no zone number in the easting)"),
        None => format!("EPSG:{epsg}"),
    }
}

/// What projected coordinates look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GkGuess {
    /// An 8-digit easting whose first two digits (25-45) are the zone: the code is certain.
    WithZonePrefix { epsg: u32 },
    /// Easting 500 km ± 330 km, northing 2-6 Mm: a 3° GK zone without prefix (or a UTM zone); the
    /// zone is not in the coordinates, `epsg` is the one that puts them next to `reference` when given.
    WithoutZonePrefix { epsg: Option<u32> },
}

fn northing_in_china(y: f64) -> bool {
    (2_000_000.0..=6_000_000.0).contains(&y)
}

/// Guess the CGCS2000 3° GK zone of a layer's extent (`None`: not GK-like). `reference` is a
/// longitude/latitude where the rest of the data lies (another layer's centre), used to find the
/// zone of an easting without prefix: the zone whose projection of `reference` lies nearest the
/// layer, within 100 km.
pub fn guess_zone(extent: Rect<f64>, reference: Option<Coord<f64>>) -> Option<GkGuess> {
    let (min, max) = (extent.min(), extent.max());
    if !(northing_in_china(min.y) && northing_in_china(max.y)) {
        return None;
    }
    let zone_min = (min.x / 1_000_000.0).floor();
    let zone_max = (max.x / 1_000_000.0).floor();
    if zone_min == zone_max && (25.0..=45.0).contains(&zone_min) {
        let within = min.x - zone_min * 1_000_000.0;
        if (100_000.0..=900_000.0).contains(&within) {
            return cgcs2000_gk_epsg(zone_min as u32 * 3, true).map(|epsg| GkGuess::WithZonePrefix { epsg });
        }
    }
    if min.x >= 170_000.0 && max.x <= 830_000.0 {
        let epsg = reference.and_then(|r| nearest_zone(extent.center(), r));
        return Some(GkGuess::WithoutZonePrefix { epsg });
    }
    None
}

/// The non-prefixed zone whose projection of `reference` lies within 100 km of `centre`.
fn nearest_zone(centre: Coord<f64>, reference: Coord<f64>) -> Option<u32> {
    MERIDIANS
        .step_by(3)
        .filter_map(|cm| {
            let epsg = cgcs2000_gk_epsg(cm, false)?;
            let p = Transformer::with_cached("EPSG:4326", &format!("EPSG:{epsg}"), |t| t.coord(reference)).ok()?.ok()?;
            let d = (p.x - centre.x).hypot(p.y - centre.y);
            (d < 100_000.0).then_some((d, epsg))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, epsg)| epsg)
}

/// The hint for a layer with no CRS whose coordinates are not degrees: the CGCS2000 zone they fit
/// (computed from them, and from `reference` for eastings without the zone number), else the general advice.
pub fn missing_crs_hint(extent: Rect<f64>, reference: Option<Coord<f64>>) -> String {
    let assign = |epsg: u32| format!("the coordinates fit {}: declare it with FILE|crs=EPSG:{epsg}, or add a .prj file (ogr2ogr -a_srs EPSG:{epsg} out.gpkg in.shp)", describe(epsg));
    match guess_zone(extent, reference) {
        Some(GkGuess::WithZonePrefix { epsg }) => assign(epsg),
        Some(GkGuess::WithoutZonePrefix { epsg: Some(epsg) }) => assign(epsg),
        Some(GkGuess::WithoutZonePrefix { epsg: None }) => {
            let n = extent.center().y;
            format!(
                "the coordinates look like CGCS2000 3° Gauss-Krüger without the zone number in the easting (easting {:.0}, northing {n:.0}); the zone is the 3° meridian nearest your city's longitude (EPSG:4534 + (meridian − 75) / 3, e.g. 118.8°E → 120°E → EPSG:4549): declare it with FILE|crs=EPSG:nnnn; with the zone number in the easting it would be EPSG:4513 + (meridian − 75) / 3",
                extent.center().x
            )
        }
        None => "add the CRS: for a Shapefile, its .prj file; or declare it with FILE|crs=EPSG:nnnn (use the code of the CRS the data was drawn in)".to_string(),
    }
}

/// Why a layer's declared CRS cannot hold its coordinates, with the zone that fits; `None` when it can.
/// Checked: CGCS2000 3° GK codes (eastings beyond 500 km ± 330 km of the meridian, or a zone number
/// in the easting other than the code's) and WGS 84 / CGCS2000 UTM zones (eastings beyond 500 km ± 500
/// km); with `reference`, also a layer that the declared zone puts more than 100 km from the rest of
/// the data while another zone puts it next to it (a zone 3° or 6° off).
pub fn declared_crs_misfit(epsg: u32, extent: Rect<f64>, reference: Option<Coord<f64>>) -> Option<String> {
    let centre = extent.center();
    let fitting = |guess: Option<GkGuess>| match guess {
        Some(GkGuess::WithZonePrefix { epsg }) | Some(GkGuess::WithoutZonePrefix { epsg: Some(epsg) }) => format!("; the zone that fits is {}", describe(epsg)),
        _ => String::new(),
    };
    let utm_zone = match epsg {
        32601..=32660 => Some((epsg - 32600, 32600)),
        32701..=32760 => Some((epsg - 32700, 32700)),
        _ => None,
    };
    let out_of_range = match (zone_of_epsg(epsg), utm_zone) {
        (Some((cm, true)), _) => {
            let zone = (cm / 3) as f64;
            let off = centre.x - zone * 1_000_000.0 - 500_000.0;
            (off.abs() > 330_000.0).then(|| format!("{} expects eastings {:.0} ± 330 000 m, the layer's centre is at {:.0}", describe(epsg), zone * 1_000_000.0 + 500_000.0, centre.x))
        }
        (Some((_, false)), _) => ((centre.x - 500_000.0).abs() > 330_000.0).then(|| format!("{} expects eastings 500 000 ± 330 000 m, the layer's centre is at {:.0}", describe(epsg), centre.x)),
        (None, Some((zone, _))) => ((centre.x - 500_000.0).abs() > 500_000.0).then(|| format!("EPSG:{epsg} (UTM zone {zone}) expects eastings 500 000 ± 500 000 m, the layer's centre is at {:.0}", centre.x)),
        _ => None,
    };
    if let Some(problem) = out_of_range {
        return Some(format!("{problem}{}", fitting(guess_zone(extent, reference))));
    }
    let reference = reference?;
    if zone_of_epsg(epsg).is_none() && utm_zone.is_none() {
        return None;
    }
    let declared = Transformer::with_cached("EPSG:4326", &format!("EPSG:{epsg}"), |t| t.coord(reference)).ok()?.ok()?;
    let gap = (declared.x - centre.x).hypot(declared.y - centre.y);
    if gap < 100_000.0 {
        return None;
    }
    let better = match (zone_of_epsg(epsg), utm_zone) {
        (Some((_, false)), _) => nearest_zone(centre, reference).map(describe),
        (_, Some((_, base))) => (1..=60u32)
            .map(|z| base + z)
            .filter_map(|code| {
                let p = Transformer::with_cached("EPSG:4326", &format!("EPSG:{code}"), |t| t.coord(reference)).ok()?.ok()?;
                let d = (p.x - centre.x).hypot(p.y - centre.y);
                (d < 100_000.0).then_some((d, code))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, code)| format!("EPSG:{code} (UTM zone {})", code - base)),
        _ => None,
    }?;
    Some(format!(
        "in EPSG:{epsg} the layer lies {:.0} km from the rest of the data (the layer's centre {:.0}, {:.0}); the zone that fits is {better}",
        gap / 1000.0,
        centre.x,
        centre.y
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect<f64> {
        Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    }

    #[test]
    fn codes_and_meridians_match_the_epsg_registry() {
        assert_eq!((cgcs2000_gk_epsg(75, true), cgcs2000_gk_epsg(135, true)), (Some(4513), Some(4533)));
        assert_eq!((cgcs2000_gk_epsg(75, false), cgcs2000_gk_epsg(135, false)), (Some(4534), Some(4554)));
        assert_eq!(cgcs2000_gk_epsg(114, false), Some(4547));
        assert_eq!(cgcs2000_gk_epsg(116, false), None);
        assert_eq!(zone_of_epsg(4527), Some((117, true)));
        assert_eq!(zone_of_epsg(32650), None);
        assert_eq!((central_meridian_for(116.4), central_meridian_for(121.47), central_meridian_for(104.07)), (117, 120, 105));
    }

    #[test]
    fn prefixed_eastings_give_their_zone() {
        // Beijing (zone 39), Chengdu (zone 35), Harbin (zone 42): 8-digit eastings.
        for (x, y, epsg) in [(39_450_000.0, 4_420_000.0, 4527), (35_400_000.0, 3_390_000.0, 4523), (42_350_000.0, 5_070_000.0, 4530)] {
            assert_eq!(guess_zone(rect(x, y, x + 5000.0, y + 5000.0), None), Some(GkGuess::WithZonePrefix { epsg }));
            assert!(missing_crs_hint(rect(x, y, x + 5000.0, y + 5000.0), None).contains(&format!("crs=EPSG:{epsg}")));
        }
        assert_eq!(guess_zone(rect(660_000.0, 10_000.0, 670_000.0, 20_000.0), None), None);
    }
}

/// The CRS the GeoPackage outputs are written in (`--out-crs`); GeoJSON stays WGS 84 (RFC 7946).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutCrs {
    /// A projected CRS by EPSG code.
    Epsg(u32),
    /// The CGCS2000 3° Gauss-Krüger zone of the data's centre, with or without the zone number in the easting.
    Cgcs2000 { zone_prefix: bool },
}

impl std::str::FromStr for OutCrs {
    type Err = String;
    /// `EPSG:4549`, `4549`, `cgcs2000` (EPSG:4534-4554) or `cgcs2000-zone-prefix` (EPSG:4513-4533).
    fn from_str(s: &str) -> Result<OutCrs, String> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "cgcs2000" => return Ok(OutCrs::Cgcs2000 { zone_prefix: false }),
            "cgcs2000-zone-prefix" => return Ok(OutCrs::Cgcs2000 { zone_prefix: true }),
            _ => {}
        }
        let code: u32 = t
            .trim_start_matches("epsg:")
            .parse()
            .map_err(|_| format!("--out-crs {s}: expected EPSG:nnnn, cgcs2000 (the 3° Gauss-Krüger zone of the data, EPSG:4534-4554) or cgcs2000-zone-prefix (EPSG:4513-4533)"))?;
        Transformer::new("EPSG:4326", &format!("EPSG:{code}")).map_err(|_| format!("--out-crs {s}: PROJ does not know EPSG:{code}"))?;
        Ok(OutCrs::Epsg(code))
    }
}

impl OutCrs {
    /// The EPSG code for data centred at `centre` (longitude/latitude).
    ///
    /// ```
    /// use lifecircle::crs::gauss_kruger::OutCrs;
    /// let nanjing = geo_types::coord! { x: 118.8, y: 32.05 };
    /// assert_eq!("cgcs2000".parse::<OutCrs>().unwrap().epsg_for(nanjing), 4549);
    /// assert_eq!("cgcs2000-zone-prefix".parse::<OutCrs>().unwrap().epsg_for(nanjing), 4528);
    /// assert_eq!("EPSG:4548".parse::<OutCrs>().unwrap().epsg_for(nanjing), 4548);
    /// ```
    pub fn epsg_for(self, centre: Coord<f64>) -> u32 {
        match self {
            OutCrs::Epsg(code) => code,
            OutCrs::Cgcs2000 { zone_prefix } => {
                let cm = central_meridian_for(centre.x);
                cgcs2000_gk_epsg(cm, zone_prefix).unwrap_or(if zone_prefix { 4513 } else { 4534 })
            }
        }
    }
}
