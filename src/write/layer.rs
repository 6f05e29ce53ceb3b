//! The output table: a named layer of features, each a WGS84 geometry and typed field values, which every
//! writer (GeoJSON, GeoPackage and other GDAL formats, CSV) formats without knowing the domain.

use geo_types::Geometry;

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Bool,
    Int,
    Real,
    Text,
    /// A list of strings (ids): a JSON array in GeoJSON, a JSON text in GeoPackage and CSV.
    TextList,
}

/// A field value. `Null` is allowed in any field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Text(String),
    TextList(Vec<String>),
}

impl From<bool> for Value {
    fn from(v: bool) -> Value { Value::Bool(v) }
}
impl From<i64> for Value {
    fn from(v: i64) -> Value { Value::Int(v) }
}
impl From<usize> for Value {
    fn from(v: usize) -> Value { Value::Int(v as i64) }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value { if v.is_finite() { Value::Real(v) } else { Value::Null } }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value { Value::Text(v.to_string()) }
}
impl From<String> for Value {
    fn from(v: String) -> Value { Value::Text(v) }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Value { Value::TextList(v) }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value { v.map_or(Value::Null, Into::into) }
}

/// The geometry type a layer declares (GeoPackage needs one per layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    /// LineString or MultiLineString.
    Line,
    /// Polygon or MultiPolygon.
    Polygon,
    /// Mixed geometry types (rejects).
    Any,
    /// A table without geometry.
    None,
}

/// A field's name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
}

/// One row: geometry in WGS84 lon/lat, values in the order of the layer's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub geometry: Option<Geometry<f64>>,
    pub values: Vec<Value>,
}

/// A layer ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub geometry: GeometryKind,
    pub fields: Vec<Field>,
    pub features: Vec<Feature>,
}

impl Layer {
    pub fn new(name: &str, geometry: GeometryKind, fields: &[(&str, FieldType)]) -> Layer {
        Layer {
            name: name.to_string(),
            geometry,
            fields: fields.iter().map(|(n, t)| Field { name: n.to_string(), ty: *t }).collect(),
            features: Vec::new(),
        }
    }

    /// Add a row; `values` must follow the field order.
    /// Real values are stored without a negative zero ([`without_negative_zero`]), so no output prints `-0`.
    pub fn push(&mut self, geometry: Option<Geometry<f64>>, mut values: Vec<Value>) {
        debug_assert_eq!(values.len(), self.fields.len(), "layer {}: row has {} values for {} fields", self.name, values.len(), self.fields.len());
        for v in &mut values {
            if let Value::Real(x) = v {
                *x = without_negative_zero(*x);
            }
        }
        self.features.push(Feature { geometry, values });
    }

    /// Append fields (before any row is pushed).
    pub fn add_fields(&mut self, fields: &[(&str, FieldType)]) {
        debug_assert!(self.features.is_empty(), "layer {}: fields added after rows", self.name);
        self.fields.extend(fields.iter().map(|(n, t)| Field { name: n.to_string(), ty: *t }));
    }

    /// The index of a field by name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// Rows per part of a [`PartedLayer`].
pub const PART_ROWS: usize = 1 << 16;

/// The rows of a range of a [`PartedLayer`].
pub type MakePart<'a> = Box<dyn Fn(std::ops::Range<usize>) -> crate::error::Result<Layer> + Send + Sync + 'a>;

/// A layer made a part at a time while it is written, never held whole (a city's candidates: 850,000
/// polygons with their verdicts, half a gigabyte as rows). `schema` gives its name, geometry kind and
/// fields (no rows); the parts of consecutive ranges of [`PART_ROWS`], in order, are its `features` rows.
pub struct PartedLayer<'a> {
    pub schema: Layer,
    pub features: usize,
    /// The schema with rows that hold every distinct value of the fields a style names
    /// ([`crate::report::styles::value_map`]: the candidates' `origin`), the other values null: what the
    /// layer's style is made from, since its rows exist only while they are written.
    pub style_rows: Option<Layer>,
    part_rows: usize,
    make: MakePart<'a>,
}

impl<'a> PartedLayer<'a> {
    /// `make(range)` must give the rows `range`, with the schema's name, geometry kind and fields.
    pub fn new(schema: Layer, features: usize, make: MakePart<'a>) -> PartedLayer<'a> {
        PartedLayer { schema, features, style_rows: None, part_rows: PART_ROWS, make }
    }

    /// With the rows its style is made from ([`PartedLayer::style_rows`]).
    pub fn with_style_rows(mut self, rows: Layer) -> PartedLayer<'a> {
        self.style_rows = Some(rows);
        self
    }

    /// Parts of `rows` rows (at least 1) instead of [`PART_ROWS`].
    pub fn with_part_rows(mut self, rows: usize) -> PartedLayer<'a> {
        self.part_rows = rows.max(1);
        self
    }

    /// The parts, in order; at least one (a layer without rows is one empty part).
    pub fn parts(&self) -> impl Iterator<Item = crate::error::Result<Layer>> + '_ {
        (0..self.features.max(1)).step_by(self.part_rows).map(move |start| (self.make)(start..(start + self.part_rows).min(self.features)))
    }
}

/// A layer to write: whole, or made a part at a time ([`PartedLayer`]).
pub enum OutputLayer<'a> {
    Whole(Layer),
    Parted(PartedLayer<'a>),
}

impl OutputLayer<'_> {
    /// The whole layer, or a parted one's schema (name, geometry kind and fields, no rows).
    pub fn schema(&self) -> &Layer {
        match self {
            OutputLayer::Whole(l) => l,
            OutputLayer::Parted(p) => &p.schema,
        }
    }

    /// What the layer's style is made from: the whole layer, or a parted one's [`PartedLayer::style_rows`]
    /// (else its schema).
    pub fn style_source(&self) -> &Layer {
        match self {
            OutputLayer::Whole(l) => l,
            OutputLayer::Parted(p) => p.style_rows.as_ref().unwrap_or(&p.schema),
        }
    }

    /// The layer when it is held whole.
    pub fn whole(&self) -> Option<&Layer> {
        match self {
            OutputLayer::Whole(l) => Some(l),
            OutputLayer::Parted(_) => None,
        }
    }

    /// Its number of rows.
    pub fn len(&self) -> usize {
        match self {
            OutputLayer::Whole(l) => l.features.len(),
            OutputLayer::Parted(p) => p.features,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `x` with a negative zero made positive (IEEE 754: −0 + +0 = +0; every other value, NaN included, is
/// unchanged). A sum of signed terms or a product by a negative factor can give −0.0 (`bundled_population:
/// -0.0`), which a planner reads as a sign of trouble: every writer stores numbers through this.
///
/// ```
/// use lifecircle::write::layer::without_negative_zero;
/// assert!(without_negative_zero(-0.0).is_sign_positive());
/// assert_eq!(without_negative_zero(-2.5), -2.5);
/// assert_eq!(format!("{}", without_negative_zero(-0.0 * 3.0)), "0");
/// ```
pub fn without_negative_zero(x: f64) -> f64 {
    x + 0.0
}

impl Layer {
    /// Append `other`'s fields (all but its key) to this layer, matching rows on the text field `key`
    /// present in both (e.g. `estate_id`). Rows of `self` with no match get nulls; `other`'s rows with no
    /// match are ignored. Used to add coverage and bundle results to the estates layer.
    ///
    /// ```
    /// use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
    /// let mut estates = Layer::new("estates", GeometryKind::None, &[("estate_id", FieldType::Text)]);
    /// estates.push(None, vec!["e1".into()]);
    /// estates.push(None, vec!["e2".into()]);
    /// let mut result = Layer::new("r", GeometryKind::None, &[("estate_id", FieldType::Text), ("bundle_id", FieldType::Text)]);
    /// result.push(None, vec!["e2".into(), "B0001".into()]);
    /// estates.join_fields(&result, "estate_id");
    /// assert_eq!(estates.features[1].values[1], Value::Text("B0001".into()));
    /// assert_eq!(estates.features[0].values[1], Value::Null);
    /// ```
    pub fn join_fields(&mut self, other: &Layer, key: &str) {
        let (Some(self_key), Some(other_key)) = (self.field_index(key), other.field_index(key)) else {
            return;
        };
        let added: Vec<usize> = (0..other.fields.len()).filter(|&i| i != other_key && self.field_index(&other.fields[i].name).is_none()).collect();
        let mut rows = std::collections::HashMap::with_capacity(other.features.len());
        for (i, f) in other.features.iter().enumerate() {
            if let Value::Text(k) = &f.values[other_key] {
                rows.entry(k.as_str()).or_insert(i);
            }
        }
        for &i in &added {
            self.fields.push(other.fields[i].clone());
        }
        for feature in &mut self.features {
            let row = match &feature.values[self_key] {
                Value::Text(k) => rows.get(k.as_str()).copied(),
                _ => None,
            };
            for &i in &added {
                feature.values.push(row.map_or(Value::Null, |r| other.features[r].values[i].clone()));
            }
        }
    }
}
