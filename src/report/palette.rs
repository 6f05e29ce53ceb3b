//! The colours of the planner's package, shared by the QGIS styles, the HTML report and the printable map so
//! that a layer looks the same in all three.
//!
//! - Coverage score (0..=1): five equal classes on the ColorBrewer `RdYlGn` diverging ramp (Harrower &
//!   Brewer 2003, "ColorBrewer.org: an online tool for selecting colour schemes for maps"), red = poorly
//!   served, green = well served. **One class rule everywhere**: a class is closed at its lower bound and
//!   open at its upper one, `lower <= score < upper` (the last class also holds 1.0), so a score exactly on
//!   a break (0.2, 0.4 …, which are common: scores are often multiples of 1/5) goes to the upper class.
//!   [`score_class`] is the rule for the report and the printable map; [`score_class_filter`] writes the
//!   same rule as the QGIS expression of a rule-based renderer (QGIS's graduated renderer closes ranges at
//!   both ends and puts 0.2 in the lower class, so it is not used).
//! - Life-circle tiers (GB 50180-2018 §3.0.4: 5-, 10- and 15-minute circles): one hue per tier, the nearest
//!   circle darkest, drawn semi-transparent so that overlapping circles stay readable.
//! - Facility categories: a fixed colour for each category of the default profile, so that colours do not
//!   shift when a district lacks a category; other keys get a colour from the same qualitative set chosen
//!   by a stable hash of the key (FNV-1a), so the choice never depends on the data's order.
//!
//! Every colour a legend shows is told apart from every other: the categories' colours were picked from
//! ColorBrewer's and Tableau's qualitative sets, greedily, keeping only those at least 20 units from every
//! colour already taken (the score ramp, the tiers, the fixed layer colours and the categories before it)
//! in CIE L\*a\*b\* (CIE76 ΔE; about 2.3 is a just-noticeable difference, Sharma 2003, *Digital Color
//! Imaging Handbook*). The tests check that distance for every pair.
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

/// One class of a graduated colour ramp (the coverage score, the slope factor): `lower <= value < upper`
/// (the last class includes its upper bound), drawn in `colour`, its range written `label`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RampClass {
    pub lower: f64,
    pub upper: f64,
    pub colour: Rgba,
    pub label: &'static str,
}

/// The five score classes, RdYlGn 5-class.
pub const SCORE_CLASSES: [RampClass; 5] = [
    RampClass { lower: 0.0, upper: 0.2, colour: Rgba::opaque(215, 25, 28), label: "0.0 – <0.2" },
    RampClass { lower: 0.2, upper: 0.4, colour: Rgba::opaque(253, 174, 97), label: "0.2 – <0.4" },
    RampClass { lower: 0.4, upper: 0.6, colour: Rgba::opaque(255, 255, 191), label: "0.4 – <0.6" },
    RampClass { lower: 0.6, upper: 0.8, colour: Rgba::opaque(166, 217, 106), label: "0.6 – <0.8" },
    RampClass { lower: 0.8, upper: 1.0, colour: Rgba::opaque(26, 150, 65), label: "0.8 – 1.0" },
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

/// The QGIS expression that selects class `class` of [`SCORE_CLASSES`] on `field`: the rule of
/// [`score_class`] (`lower <= score < upper`; below 0 in the first class, above 1 in the last), for a
/// rule-based renderer. `None` for a class index out of range.
///
/// ```
/// use lifecircle::report::palette::score_class_filter;
/// assert_eq!(score_class_filter("score", 0).unwrap(), r#""score" < 0.2"#);
/// assert_eq!(score_class_filter("score", 1).unwrap(), r#""score" >= 0.2 AND "score" < 0.4"#);
/// assert_eq!(score_class_filter("score", 4).unwrap(), r#""score" >= 0.8"#);
/// ```
pub fn score_class_filter(field: &str, class: usize) -> Option<String> {
    let c = SCORE_CLASSES.get(class)?;
    let quoted = format!("\"{}\"", field.replace('"', "\"\""));
    let mut parts = Vec::new();
    if class > 0 {
        parts.push(format!("{quoted} >= {}", c.lower));
    }
    if class + 1 < SCORE_CLASSES.len() {
        parts.push(format!("{quoted} < {}", c.upper));
    }
    Some(parts.join(" AND "))
}

/// The fill of a score.
pub fn score_colour(score: f64) -> Option<Rgba> {
    score_class(score).map(|i| SCORE_CLASSES[i].colour)
}

/// Estate outlines.
pub const ESTATE_OUTLINE: Rgba = Rgba::opaque(80, 80, 80);
/// Bundle outlines (purple, drawn thick and without fill).
pub const BUNDLE_OUTLINE: Rgba = Rgba::opaque(106, 61, 154);
/// Recommended sites (ColorBrewer `RdPu` 9's darkest but one: the score ramp already holds red).
pub const SITE_FILL: Rgba = Rgba::opaque(174, 1, 126);
/// The walking network (darker than the grey of estates without a score).
pub const NETWORK_GREY: Rgba = Rgba::opaque(130, 130, 130);

/// The slope map's classes of the network's round-trip slope factor (`slope_factor` = effort / length
/// with `--dem`), each named by the constant slope that has that factor: factor bounds are the round-trip
/// factors of 5 %, 8 % (the 1:12 ramp) and 12 % (`(f(s) + f(−s)) / 2`,
/// [`crate::network::terrain::round_trip_factor`]: 1.0154, 1.1278, 1.2972), so a class reads as "as hard as a constant slope of …"; grey (flat) → yellow → orange → red.
pub const SLOPE_CLASSES: [RampClass; 4] = [
    RampClass { lower: 0.0, upper: 1.0154, colour: Rgba::opaque(150, 150, 150), label: "0 – 5 %" },
    RampClass { lower: 1.0154, upper: 1.1278, colour: Rgba::opaque(254, 204, 92), label: "5 – 8 %" },
    RampClass { lower: 1.1278, upper: 1.2972, colour: Rgba::opaque(240, 59, 32), label: "8 – 12 %" },
    RampClass { lower: 1.2972, upper: 1000.0, colour: Rgba::opaque(128, 0, 38), label: "> 12 %" },
];
/// Idle land / candidate parcels: hatch colour.
pub const IDLE_LAND_HATCH: Rgba = Rgba::opaque(140, 81, 10);
/// Layers the package has no dedicated style for (`PuOr` 11's `#8073ac`: apart from the tiers' blues).
pub const GENERIC: Rgba = Rgba::opaque(128, 115, 172);

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

/// One colour per category of the default profile (`data/profiles/gb50180.toml`), in profile order. From
/// Tableau 10/20 (`#e377c2`, `#f7b6d2`, `#8c564b`, `#ff9896`, `#bcbd22`, `#ff7f0e`), ColorBrewer `Set1`
/// (`#ffff33`), `Dark2` (`#1b9e77`, `#e6ab02`) and the dark ends of the sequential ramps (`Blues`,
/// `Greens`, `RdPu`, `PuOr`, `BrBG`), as the module doc says.
const KNOWN_CATEGORIES: [(&str, Rgba); 15] = [
    ("kindergarten", Rgba::opaque(227, 119, 194)),
    ("nursery", Rgba::opaque(247, 182, 210)),
    ("elderly_care", Rgba::opaque(140, 86, 75)),
    ("health_station", Rgba::opaque(103, 0, 31)),
    ("community_service", Rgba::opaque(8, 48, 107)),
    ("fitness", Rgba::opaque(188, 189, 34)),
    ("convenience", Rgba::opaque(230, 171, 2)),
    ("primary_school", Rgba::opaque(64, 0, 75)),
    ("vegetable_market", Rgba::opaque(255, 255, 51)),
    ("park", Rgba::opaque(27, 158, 119)),
    ("sports", Rgba::opaque(1, 102, 94)),
    ("middle_school", Rgba::opaque(255, 127, 14)),
    ("health_center", Rgba::opaque(255, 152, 150)),
    ("culture", Rgba::opaque(0, 0, 0)),
    ("bus_stop", Rgba::opaque(0, 68, 27)),
];

/// The colour of a facility category key.
pub fn category_colour(key: &str) -> Rgba {
    if let Some(&(_, colour)) = KNOWN_CATEGORIES.iter().find(|(k, _)| *k == key) {
        return colour;
    }
    // FNV-1a 32-bit: stable across runs and platforms.
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    KNOWN_CATEGORIES[hash as usize % KNOWN_CATEGORIES.len()].1
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
        assert_eq!(category_colour("kindergarten"), Rgba::opaque(227, 119, 194));
        assert_eq!(category_colour("park"), Rgba::opaque(27, 158, 119));
        // An unknown key always gets the same colour from the set.
        let a = category_colour("library_branch");
        assert_eq!(a, category_colour("library_branch"));
        assert!(KNOWN_CATEGORIES.iter().any(|(_, c)| *c == a));
    }

    /// CIE L*a*b* of an sRGB colour (D65 white), alpha ignored.
    fn lab(c: Rgba) -> [f64; 3] {
        let linear = |u: u8| {
            let u = f64::from(u) / 255.0;
            if u > 0.04045 { ((u + 0.055) / 1.055).powf(2.4) } else { u / 12.92 }
        };
        let (r, g, b) = (linear(c.r), linear(c.g), linear(c.b));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        [116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))]
    }

    fn delta_e(a: Rgba, b: Rgba) -> f64 {
        let (a, b) = (lab(a), lab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn lab_matches_reference_values() {
        // sRGB red and a mid grey, from the CIE formulas (Bruce Lindbloom's calculator): L*a*b* 53.24, 80.09, 67.20 and 53.59, 0, 0.
        let red = lab(Rgba::opaque(255, 0, 0));
        assert!((red[0] - 53.24).abs() < 0.05 && (red[1] - 80.09).abs() < 0.1 && (red[2] - 67.20).abs() < 0.1, "{red:?}");
        let grey = lab(Rgba::opaque(128, 128, 128));
        assert!((grey[0] - 53.59).abs() < 0.05 && grey[1].abs() < 0.01 && grey[2].abs() < 0.01, "{grey:?}");
    }

    #[test]
    fn every_legend_colour_is_told_apart_from_every_other() {
        let mut legend: Vec<(String, Rgba)> = SCORE_CLASSES.iter().map(|c| (format!("score {}", c.label), c.colour)).collect();
        legend.extend(TIERS.iter().map(|t| (format!("tier {t}"), tier_colour(t).unwrap().with_alpha(255))));
        legend.extend([
            ("no score", NO_SCORE),
            ("estate outline", ESTATE_OUTLINE),
            ("bundle outline", BUNDLE_OUTLINE),
            ("site", SITE_FILL),
            ("network", NETWORK_GREY),
            ("idle land", IDLE_LAND_HATCH),
            ("other layers", GENERIC),
        ].map(|(n, c)| (n.to_string(), c)));
        legend.extend(KNOWN_CATEGORIES.iter().map(|(k, c)| (k.to_string(), *c)));
        for (i, (a, ca)) in legend.iter().enumerate() {
            for (b, cb) in &legend[i + 1..] {
                let d = delta_e(*ca, *cb);
                assert!(d >= 20.0, "{a} {ca:?} and {b} {cb:?} are only ΔE {d:.1} apart");
            }
        }
    }
}
