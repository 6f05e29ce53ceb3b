//! The colours of the planner's package, shared by the QGIS styles, the HTML report and the printable map so
//! that a layer looks the same in all three.
//!
//! - Coverage score (0..=1): five equal classes on the ColorBrewer `RdYlGn` diverging ramp (Harrower &
//!   Brewer 2003, "ColorBrewer.org: an online tool for selecting colour schemes for maps"), red = poorly
//!   served, green = well served.
//! - Life-circle tiers (GB 50180-2018 §3.0.4: 5-, 10- and 15-minute circles): one hue per tier, the nearest
//!   circle darkest, drawn semi-transparent so that overlapping circles stay readable.
//! - Facility categories: a fixed colour for each category of the default profile, so that colours do not
//!   shift when a district lacks a category; other keys get a colour from the same qualitative set chosen
//!   by a stable hash of the key (FNV-1a), so the choice never depends on the data's order.
//!
//! ```
//! use lifecircle::report::palette::{score_class, score_colour, Rgba};
//! assert_eq!(score_class(0.0), Some(0));
//! assert_eq!(score_class(1.0), Some(4));
//! assert_eq!(score_colour(0.95), Some(Rgba::opaque(26, 150, 65)));
//! assert_eq!(Rgba::opaque(26, 150, 65).hex(), "#1a9641");
//! ```

/// A colour with alpha, 0..=255 each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Rgba {
    pub const fn opaque(r: u8, g: u8, b: u8) -> Rgba {
        Rgba { r, g, b, a: 255 }
    }

    pub const fn with_alpha(self, a: u8) -> Rgba {
        Rgba { a, ..self }
    }

    /// `#rrggbb`, alpha left out (SVG takes it as a separate opacity).
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// `#rrggbbaa` for CSS and canvas.
    pub fn hex_with_alpha(self) -> String {
        format!("#{:02x}{:02x}{:02x}{:02x}", self.r, self.g, self.b, self.a)
    }

    /// Alpha as 0..=1, for SVG `fill-opacity`.
    pub fn opacity(self) -> f64 {
        f64::from(self.a) / 255.0
    }

    /// `r,g,b,a` as QGIS writes colours in QML.
    pub fn qgis(self) -> String {
        format!("{},{},{},{}", self.r, self.g, self.b, self.a)
    }
}

/// One class of the coverage score ramp: `lower <= score < upper` (the last class includes 1.0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreClass {
    pub lower: f64,
    pub upper: f64,
    pub colour: Rgba,
    pub label: &'static str,
}

/// The five score classes, RdYlGn 5-class.
pub const SCORE_CLASSES: [ScoreClass; 5] = [
    ScoreClass { lower: 0.0, upper: 0.2, colour: Rgba::opaque(215, 25, 28), label: "0.0 – 0.2" },
    ScoreClass { lower: 0.2, upper: 0.4, colour: Rgba::opaque(253, 174, 97), label: "0.2 – 0.4" },
    ScoreClass { lower: 0.4, upper: 0.6, colour: Rgba::opaque(255, 255, 191), label: "0.4 – 0.6" },
    ScoreClass { lower: 0.6, upper: 0.8, colour: Rgba::opaque(166, 217, 106), label: "0.6 – 0.8" },
    ScoreClass { lower: 0.8, upper: 1.0, colour: Rgba::opaque(26, 150, 65), label: "0.8 – 1.0" },
];

/// Estates without a score (no residents, or not analysed).
pub const NO_SCORE: Rgba = Rgba::opaque(189, 189, 189);

/// The class index of a score; scores outside 0..=1 are clamped, NaN has no class.
pub fn score_class(score: f64) -> Option<usize> {
    if score.is_nan() {
        return None;
    }
    let clamped = score.clamp(0.0, 1.0);
    Some(SCORE_CLASSES.iter().position(|c| clamped < c.upper).unwrap_or(SCORE_CLASSES.len() - 1))
}

/// The fill of a score.
pub fn score_colour(score: f64) -> Option<Rgba> {
    score_class(score).map(|i| SCORE_CLASSES[i].colour)
}

/// Estate outlines.
pub const ESTATE_OUTLINE: Rgba = Rgba::opaque(80, 80, 80);
/// Bundle outlines (purple, drawn thick and without fill).
pub const BUNDLE_OUTLINE: Rgba = Rgba::opaque(106, 61, 154);
/// Recommended sites.
pub const SITE_FILL: Rgba = Rgba::opaque(227, 26, 28);
/// The walking network.
pub const NETWORK_GREY: Rgba = Rgba::opaque(150, 150, 150);
/// Idle land / candidate parcels: hatch colour.
pub const IDLE_LAND_HATCH: Rgba = Rgba::opaque(140, 81, 10);
/// Layers the package has no dedicated style for.
pub const GENERIC: Rgba = Rgba::opaque(49, 130, 189);

/// The three life-circle tiers, nearest first, as the profile names them.
pub const TIERS: [&str; 3] = ["5min", "10min", "15min"];

/// A tier's colour, semi-transparent (alpha 90 of 255); `None` for an unknown tier name.
pub fn tier_colour(tier: &str) -> Option<Rgba> {
    match tier {
        "5min" => Some(Rgba { r: 8, g: 104, b: 172, a: 90 }),
        "10min" => Some(Rgba { r: 67, g: 162, b: 202, a: 90 }),
        "15min" => Some(Rgba { r: 123, g: 204, b: 196, a: 90 }),
        _ => None,
    }
}

/// A qualitative set (ColorBrewer `Paired` 12 without its palest yellow, plus `Dark2` greys and browns).
const QUALITATIVE: [Rgba; 14] = [
    Rgba::opaque(31, 120, 180),
    Rgba::opaque(51, 160, 44),
    Rgba::opaque(227, 26, 28),
    Rgba::opaque(255, 127, 0),
    Rgba::opaque(106, 61, 154),
    Rgba::opaque(177, 89, 40),
    Rgba::opaque(166, 206, 227),
    Rgba::opaque(178, 223, 138),
    Rgba::opaque(251, 154, 153),
    Rgba::opaque(253, 191, 111),
    Rgba::opaque(202, 178, 214),
    Rgba::opaque(231, 41, 138),
    Rgba::opaque(102, 166, 30),
    Rgba::opaque(102, 102, 102),
];

/// The categories of the default profile (`data/profiles/gb50180.toml`), each given its own colour.
const KNOWN_CATEGORIES: [(&str, usize); 15] = [
    ("kindergarten", 3),
    ("nursery", 9),
    ("elderly_care", 4),
    ("health_station", 2),
    ("community_service", 0),
    ("fitness", 7),
    ("convenience", 13),
    ("primary_school", 5),
    ("vegetable_market", 12),
    ("park", 1),
    ("sports", 6),
    ("middle_school", 10),
    ("health_center", 8),
    ("culture", 11),
    ("bus_stop", 13),
];

/// The colour of a facility category key.
pub fn category_colour(key: &str) -> Rgba {
    if let Some(&(_, i)) = KNOWN_CATEGORIES.iter().find(|(k, _)| *k == key) {
        return QUALITATIVE[i];
    }
    // FNV-1a 32-bit: stable across runs and platforms.
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    QUALITATIVE[hash as usize % QUALITATIVE.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_classes_cover_zero_to_one_without_gaps() {
        assert_eq!(SCORE_CLASSES[0].lower, 0.0);
        assert_eq!(SCORE_CLASSES[4].upper, 1.0);
        for pair in SCORE_CLASSES.windows(2) {
            assert_eq!(pair[0].upper, pair[1].lower);
        }
    }

    #[test]
    fn score_class_edges() {
        // Class bounds are half-open [lower, upper) except the last, which holds 1.0.
        assert_eq!(score_class(0.0), Some(0));
        assert_eq!(score_class(0.1999), Some(0));
        assert_eq!(score_class(0.2), Some(1));
        assert_eq!(score_class(0.5), Some(2));
        assert_eq!(score_class(0.8), Some(4));
        assert_eq!(score_class(1.0), Some(4));
        assert_eq!(score_class(-3.0), Some(0));
        assert_eq!(score_class(7.0), Some(4));
        assert_eq!(score_class(f64::NAN), None);
    }

    #[test]
    fn colour_formats() {
        let c = Rgba { r: 8, g: 104, b: 172, a: 90 };
        assert_eq!(c.hex(), "#0868ac");
        assert_eq!(c.hex_with_alpha(), "#0868ac5a");
        assert_eq!(c.qgis(), "8,104,172,90");
        assert!((c.opacity() - 90.0 / 255.0).abs() < 1e-12);
    }

    #[test]
    fn tiers_have_distinct_translucent_colours() {
        let colours: Vec<Rgba> = TIERS.iter().map(|t| tier_colour(t).unwrap()).collect();
        assert!(colours.iter().all(|c| c.a < 255));
        assert_ne!(colours[0], colours[1]);
        assert_ne!(colours[1], colours[2]);
        assert_eq!(tier_colour("20min"), None);
    }

    #[test]
    fn category_colours_are_stable_and_known_keys_fixed() {
        assert_eq!(category_colour("kindergarten"), Rgba::opaque(255, 127, 0));
        assert_eq!(category_colour("park"), Rgba::opaque(51, 160, 44));
        // An unknown key always gets the same colour from the set.
        let a = category_colour("library_branch");
        assert_eq!(a, category_colour("library_branch"));
        assert!(QUALITATIVE.contains(&a));
    }
}
