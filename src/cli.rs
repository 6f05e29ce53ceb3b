//! The command line: every subcommand and flag in one place, each with its help text and default.
//! `main` parses, runs, and turns errors into a message and an exit code (2 bad input, 1 internal).

use crate::bundle::BundleOptions;
use crate::bundle::adjacency::RoadClass;
use crate::coverage::{CoverageOptions, ServiceAreaOutput};
use crate::network::access::AccessRule;
use crate::network::walker::Walker;
use crate::coverage::scenario::Scenario;
use crate::siting::SitingOptions;
use crate::error::{Error, Result};
use crate::pipeline::batch::AreaStatus;
use crate::pipeline::{self, InputCoords, InputSpec, OutputFormat, OutputSpec};
use crate::read::planner_layers::LayerFields;
use crate::lang::Lang;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// lifecircle: life-circle coverage, renovation bundles and idle-land siting for old residential estates
/// (城镇老旧小区改造), from real map data.
#[derive(Debug, Parser)]
#[command(name = "lifecircle", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Log format on standard error: `text` for people, `json` for batch logs.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Language of what a person reads (report, printable map, QGIS legends, layer titles and field
    /// aliases): zh 简体中文, en English. Field names, CSV headers, summary.json keys and logs stay English.
    #[arg(long, value_enum, default_value_t = Lang::Zh, global = true)]
    pub lang: Lang,
    /// CRS of the GeoPackage outputs: EPSG:nnnn, `cgcs2000` (the CGCS2000 3° Gauss-Krüger zone of the
    /// data's centre, EPSG:4534-4554, easting 500 km at the meridian) or `cgcs2000-zone-prefix` (the same
    /// zone with its number in the easting, EPSG:4513-4533). GeoJSON stays WGS 84 (RFC 7946). There is
    /// no Shapefile output: open the GeoPackage, or convert it with ogr2ogr.
    #[arg(long, global = true, value_name = "EPSG:nnnn|cgcs2000|cgcs2000-zone-prefix")]
    pub out_crs: Option<String>,
}

impl Cli {
    /// The parsed `--out-crs`.
    fn out_crs(&self) -> Result<Option<crate::crs::gauss_kruger::OutCrs>> {
        self.out_crs.as_deref().map(|s| s.parse().map_err(Error::Usage)).transpose()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read OpenStreetMap or planners' layers and write the normalised layers the engine works on.
    ///
    /// Example: lifecircle extract --osm data/nanjing-xuanwu-2021.osm.pbf --out out/extract
    Extract(ExtractArgs),
    /// Group adjacent eligible estates into contiguous renovation bundles (成片改造) of a target population.
    ///
    /// Example: lifecircle bundle --osm data/nanjing-xuanwu-2021.osm.pbf --min-pop 5000 --max-pop 12000 --out out/bundles
    Bundle(BundleArgs),
    /// Walking distance from every estate to each facility category, judged against the 5/10/15-minute
    /// life-circle distances of GB 50180-2018 and weighted by residents.
    ///
    /// Example: lifecircle coverage --osm data/nanjing-xuanwu-2021.osm.pbf --out out/coverage
    Coverage(CoverageArgs),
    /// The whole plan in one run: extract → coverage → bundles → sites, written as one styled GeoPackage, GeoJSON
    /// copies with QGIS styles, an offline report.html, a printable coverage map and summary.json.
    ///
    /// Example: lifecircle plan --osm data/nanjing-xuanwu-2021.osm.pbf --out out/nanjing
    ///
    /// Amap (高德) AOIs and POIs in GCJ-02 with a CGCS2000 road layer without .prj, options per layer after `|`
    /// (layername, crs, id, name, category, population, households, coords, where, scheme):
    /// lifecircle plan --estates "aoi.gpkg|id=id|coords=gcj02|scheme=amap|where=typecode LIKE '1203%'"
    /// --facilities "poi.gpkg|id=id|coords=gcj02|scheme=amap" --network "roads.shp|crs=EPSG:4549"
    /// --out-crs cgcs2000 --out out/amap
    Plan(PlanArgs),
    /// Idle land that fits each facility category, and the sites that would newly cover the most residents.
    ///
    /// Example: lifecircle sites --osm data/nanjing-xuanwu-2021.osm.pbf -k 3 --out out/sites
    Sites(SitesArgs),
    /// The plan over many candidate areas: one per polygon of --areas (inputs read once), or one per
    /// .osm.pbf file of --inputs; areas in parallel, one sub-folder each, batch_summary.csv; resumable.
    ///
    /// Example: lifecircle batch --areas areas.geojson --osm data/nanjing-xuanwu-2021.osm.pbf --out out/batch
    Batch(BatchArgs),
    /// Repeat a run from its provenance (summary.json, or extract/coverage/bundle/sites.json) into a new
    /// folder, after checking that every input file still has the recorded size and SHA-256.
    ///
    /// Example: lifecircle rerun out/nanjing/summary.json --out out/nanjing-again
    Rerun(RerunArgs),
}

/// `lifecircle rerun`.
#[derive(Debug, Clone, Args)]
pub struct RerunArgs {
    /// The JSON of the earlier run: summary.json (plan), extract.json, coverage.json, bundle.json or sites.json.
    #[arg(value_name = "RUN.json")]
    pub run: PathBuf,
    /// Output folder of the repeated run (replaces the recorded --out).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Run even when input files changed since the run (the new run's provenance says which).
    #[arg(long)]
    pub force: bool,
}

/// Where the map data comes from. `--osm` and the layer flags can be combined: layers are added on top.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// An OpenStreetMap extract (.osm.pbf).
    #[arg(long, value_name = "FILE.osm.pbf", help_heading = "Input")]
    pub osm: Option<PathBuf>,
    /// The layers `lifecircle extract` wrote (its output folder or its .gpkg), as edited in QGIS: each is
    /// read as if given with its own flag; a flag given as well replaces the layer(s) of its kind.
    #[arg(long, value_name = "DIR|FILE.gpkg", help_heading = "Input")]
    pub layers: Option<PathBuf>,
    /// Estate polygons (GeoJSON, GeoPackage, Shapefile, FlatGeobuf ...; `FILE|layername=NAME` picks a layer).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub estates: Option<PathBuf>,
    /// Facility points or polygons with a category field holding profile keys.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub facilities: Option<PathBuf>,
    /// Walkable lines; lines meeting at shared vertices are joined.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub network: Option<PathBuf>,
    /// Compound gates (points).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub gates: Option<PathBuf>,
    /// Building footprints with a `levels` field.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub buildings: Option<PathBuf>,
    /// Idle or under-used land parcels.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub idle_land: Option<PathBuf>,
    /// Barrier lines or areas with a `class` field (OSM highway / railway / waterway value).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub barriers: Option<PathBuf>,
    /// 社区 / 街道 boundary polygons with a `level` field (community | street).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub boundaries: Option<PathBuf>,
    /// Land never built on (不可建设用地: ecological red line, planned green space ...), polygons; optional
    /// fields `class`, `protected` (yes/no, default yes), `housing_not_estate` (yes/no, default no).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub protected_land: Option<PathBuf>,
    /// Survey table (摸底调查表), Excel (.xlsx/.xls/.xlsb/.ods; `FILE|sheet=NAME` picks a sheet, the first by
    /// default) or CSV in UTF-8 or GBK, joined to estates by id or name.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub survey: Option<PathBuf>,
    /// Rule profile (TOML); default: the embedded GB 50180-2018 profile (data/profiles/gb50180.toml).
    #[arg(long, value_name = "FILE.toml", help_heading = "Input")]
    pub profile: Option<PathBuf>,
    /// Working CRS in metres, e.g. EPSG:4547 (CGCS2000 Gauss-Krüger); default: the UTM zone of the data's centre.
    #[arg(long, value_name = "EPSG:nnnn", help_heading = "Input")]
    pub crs: Option<String>,
    /// Coordinates of lon/lat layers: wgs84, or gcj02 / bd09 for Chinese web-map exports (converted to WGS84).
    #[arg(long, value_enum, default_value_t = InputCoordsArg::Wgs84, help_heading = "Input")]
    pub input_coords: InputCoordsArg,
    /// Id field of layers (default by layer: estate_id, facility_id, gate_id, building_id, parcel_id ...).
    #[arg(long, value_name = "FIELD", help_heading = "Layer fields")]
    pub id_field: Option<String>,
    /// Name field of layers (default: `name`, else `名称`; a field named here must exist).
    #[arg(long, value_name = "FIELD", help_heading = "Layer fields")]
    pub name_field: Option<String>,
    /// Category field of the facilities layer (default: `category`, else `类别`); values are profile category keys.
    #[arg(long, value_name = "FIELD", help_heading = "Layer fields")]
    pub category_field: Option<String>,
    /// Population field of the estates layer (default: `population`, else `人口`).
    #[arg(long, value_name = "FIELD", help_heading = "Layer fields")]
    pub population_field: Option<String>,
    /// Households field of the estates layer (default: `households`, else `户数`).
    #[arg(long, value_name = "FIELD", help_heading = "Layer fields")]
    pub households_field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputCoordsArg {
    Wgs84,
    Gcj02,
    Bd09,
}

/// Where results go.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output folder (created when missing).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
    /// geojson: one RFC 7946 file per layer; gpkg: one GeoPackage with every layer as well.
    #[arg(long, value_enum, default_value_t = FormatArg::Geojson, help_heading = "Output")]
    pub format: FormatArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Geojson,
    Gpkg,
}

#[derive(Debug, Clone, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Every stage's flags, shared by `plan` and `batch`.
#[derive(Debug, Clone, Args)]
pub struct PlanFlags {
    #[command(flatten)]
    pub coverage: CoverageFlags,
    #[command(flatten)]
    pub bundle: BundleFlags,
    #[command(flatten)]
    pub siting: SitingFlags,
    /// Title of the report and the map (default: "`<place>` 社区生活圈评估与老旧小区改造片区规划", the place
    /// named in the OpenStreetMap extract, else the input file's name; in a batch, a prefix).
    #[arg(long, help_heading = "Output")]
    pub title: Option<String>,
}

impl PlanFlags {
    fn options(&self) -> Result<pipeline::PlanOptions> {
        let coverage = self.coverage.options()?;
        let siting = self.siting.options()?;
        Ok(pipeline::PlanOptions { coverage, bundle: self.bundle.options()?, siting, title: self.title.clone() })
    }
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub plan: PlanFlags,
    /// Output folder (created when missing).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct SitesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub coverage: CoverageFlags,
    #[command(flatten)]
    pub siting: SitingFlags,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Which categories to site, how many sites, where to look for land.
#[derive(Debug, Clone, Args)]
pub struct SitingFlags {
    /// Categories to site, comma-separated: profile keys, Chinese names or aliases (幼儿园,菜市场 ...); default:
    /// every must-have category with uncovered residents.
    #[arg(long, value_delimiter = ',', value_name = "K,...", help_heading = "Sites")]
    pub categories: Option<Vec<String>>,
    /// Sites per category, at most.
    #[arg(short = 'k', long = "sites-per-category", default_value_t = 3, value_name = "N", help_heading = "Sites")]
    pub k: usize,
    /// Look for open land within this many metres of the estates.
    #[arg(long, default_value_t = 300.0, value_name = "METRES", help_heading = "Sites")]
    pub search: f64,
    /// Use only the idle-land parcels given (OSM idle_land, --idle-land), not open land derived around estates.
    #[arg(long, help_heading = "Sites")]
    pub no_derived_land: bool,
}

impl SitingFlags {
    fn options(&self) -> Result<SitingOptions> {
        if !(self.search.is_finite() && self.search >= 0.0) {
            return Err(Error::Usage(format!("--search {}: give a distance in metres, 0 or more", self.search)));
        }
        Ok(SitingOptions { categories: self.categories.clone(), k: self.k, search_m: self.search, derive_open_land: !self.no_derived_land })
    }
}

#[derive(Debug, Clone, Args)]
pub struct BatchArgs {
    /// Polygons of the candidate areas (any vector format); one plan per polygon.
    #[arg(long, value_name = "FILE", conflicts_with = "inputs", required_unless_present_any = ["inputs", "merge"], help_heading = "Batch")]
    pub areas: Option<PathBuf>,
    /// Id field of the areas layer (else its `name`, else the feature's position).
    #[arg(long, default_value = "area_id", value_name = "FIELD", help_heading = "Batch")]
    pub area_id_field: String,
    /// A folder of .osm.pbf files; one plan per file.
    #[arg(long, value_name = "DIR", help_heading = "Batch")]
    pub inputs: Option<PathBuf>,
    /// Plan only the K-th of N shards of the areas (K counted from 1), for a scheduler that runs the N
    /// shards on other machines with no coordinator: every shard computes the same assignment, balanced
    /// by estimated work (estates × network size near each area; with --inputs, the file's size plus a
    /// fixed cost per file), and records it in DIR/shard.json. Give every shard its own --out, then
    /// combine them with --merge.
    ///
    /// Example: lifecircle batch --areas areas.geojson --osm city.osm.pbf --shard 2/3 --out out/shard-2
    #[arg(long, value_name = "K/N", help_heading = "Batch")]
    pub shard: Option<crate::pipeline::batch::shard::Shard>,
    /// Combine the --out folders of all N shards of one batch into --out: one batch_summary.csv (as an
    /// unsharded batch writes it), batch.gpkg with every area's estates and bundles (field area_id), and
    /// GeoParquet copies estates.parquet and bundles.parquet. A missing or repeated shard, or shards of
    /// different N, inputs or options, is refused (exit 2) naming the folder. Reads no map data.
    ///
    /// Example: lifecircle batch --merge out/shard-1 out/shard-2 out/shard-3 --out out/batch
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with_all = ["areas", "inputs", "shard"], help_heading = "Batch")]
    pub merge: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub plan: PlanFlags,
    /// Output folder: one sub-folder per area and batch_summary.csv.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub coverage: CoverageFlags,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How distances are measured, and the open-the-walls scenario.
#[derive(Debug, Clone, Args)]
pub struct CoverageFlags {
    /// Where residents leave their estate.
    #[arg(long, value_enum, default_value_t = AccessArg::Gates, value_name = "RULE", help_heading = "Coverage")]
    pub access: AccessArg,
    /// A point farther than this from the network is unreachable and goes to rejects (default: the profile's, 200 m).
    #[arg(long, value_name = "METRES", help_heading = "Coverage")]
    pub max_snap: Option<f64>,
    /// How far searches go (default: 1.5 × the largest threshold).
    #[arg(long, value_name = "METRES", help_heading = "Coverage")]
    pub search_radius: Option<f64>,
    /// Service areas to draw.
    #[arg(long, value_enum, default_value_t = ServiceAreasArg::Auto, value_name = "KIND", help_heading = "Coverage")]
    pub service_areas: ServiceAreasArg,
    /// How distances are measured: `network` walks the network (always the default); `straight` estimates
    /// them, for estates-only inputs with no network at all, as the straight line from the estate's gates
    /// (else its boundary; 0 when the facility lies inside) × --detour. Every output then says
    /// `distance_method: straight_line_x1.3` and the report "estimated, no walking network".
    #[arg(long, value_enum, default_value_t = DistanceArg::Network, value_name = "METHOD", help_heading = "Coverage")]
    pub distance: DistanceArg,
    /// With --distance straight: walked ÷ straight distance (default: the profile's walk.straight_line_detour, 1.3).
    #[arg(long, value_name = "F", help_heading = "Coverage")]
    pub detour: Option<f64>,
    /// Ground elevation raster in metres (GeoTIFF, ESRI ASCII grid ... any CRS): distances become effort
    /// lengths, hills counting as farther (Tobler's hiking function, going and coming back averaged); the
    /// 300/500/1000 m thresholds are then flat-equivalent metres. Example: --dem chongqing-dem.tif
    #[arg(long, value_name = "FILE", help_heading = "Coverage")]
    pub dem: Option<PathBuf>,
    /// Who walks (rules and sources in the profile's `[walkers]` section).
    #[arg(long, value_enum, default_value_t = WalkerArg::Adult, value_name = "WALKER", help_heading = "Coverage")]
    pub walker: WalkerArg,
    /// Also measure for older walkers and wheelchair users, and write per estate and category the residents
    /// each loses compared with an adult (delta_elderly_K, delta_wheelchair_K; totals in coverage.json).
    #[arg(long, help_heading = "Coverage")]
    pub walker_compare: bool,
    /// Scenario: every compound's internal private ways become public.
    #[arg(long, help_heading = "Scenario")]
    pub open_compounds: bool,
    /// Scenario: a file of gate ids to open and estate pairs `A:B` to connect, one per line.
    #[arg(long, value_name = "FILE", help_heading = "Scenario")]
    pub open_gates: Option<PathBuf>,
}

/// `--distance`: along the walking network, or estimated as straight line × detour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DistanceArg {
    Network,
    Straight,
}

/// `--access`: where residents leave their estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessArg {
    /// Gates where the estate has any, else where public ways meet its boundary.
    Gates,
    /// Where public ways cross or meet the estate's boundary.
    Boundary,
    /// The estate's centroid snapped to the network, as simpler tools do (for comparison).
    Centroid,
}

impl From<AccessArg> for AccessRule {
    fn from(arg: AccessArg) -> AccessRule {
        match arg {
            AccessArg::Gates => AccessRule::Gates,
            AccessArg::Boundary => AccessRule::Boundary,
            AccessArg::Centroid => AccessRule::Centroid,
        }
    }
}

/// `--walker`: who walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WalkerArg {
    /// The walking network as it is.
    Adult,
    /// Steps cost 3 times their length (profile), and with --dem slopes over 8 % cost more.
    Elderly,
    /// No steps, no wheelchair=no ways, no loose surfaces, and with --dem no slope over 8 % (1:12).
    Wheelchair,
}

impl From<WalkerArg> for Walker {
    fn from(arg: WalkerArg) -> Walker {
        match arg {
            WalkerArg::Adult => Walker::Adult,
            WalkerArg::Elderly => Walker::Elderly,
            WalkerArg::Wheelchair => Walker::Wheelchair,
        }
    }
}

/// `--service-areas`: which service-area geometry to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceAreasArg {
    /// Polygons on networks of up to 200,000 edges, none above.
    Auto,
    /// No service areas.
    None,
    /// The lines within each category's walking distance (the exact reach).
    Lines,
    /// The lines and their 25 m buffer dissolved into polygons.
    #[value(alias = "lines+polygons")]
    Polygons,
}

impl From<ServiceAreasArg> for ServiceAreaOutput {
    fn from(arg: ServiceAreasArg) -> ServiceAreaOutput {
        match arg {
            ServiceAreasArg::Auto => ServiceAreaOutput::Auto,
            ServiceAreasArg::None => ServiceAreaOutput::None,
            ServiceAreasArg::Lines => ServiceAreaOutput::Lines,
            ServiceAreasArg::Polygons => ServiceAreaOutput::LinesAndPolygons,
        }
    }
}

impl CoverageFlags {
    fn options(&self) -> Result<CoverageOptions> {
        if let Some(dem) = &self.dem {
            // Fail before reading a city's data: the DEM opens, has a CRS and a geotransform.
            crate::read::dem::Dem::open(dem)?;
        }
        let mut scenario = Scenario { open_compounds: self.open_compounds, ..Scenario::default() };
        if let Some(path) = &self.open_gates {
            let text = std::fs::read_to_string(path).map_err(|e| Error::input(path, format!("cannot read: {e}"), "give a text file with one gate id or estate pair A:B per line"))?;
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                if line.contains(':') {
                    scenario.connect.push(Scenario::parse_connection(line)?);
                } else {
                    scenario.open_gates.push(line.to_string());
                }
            }
        }
        Ok(CoverageOptions {
            access_rule: self.access.into(),
            max_snap_m: self.max_snap,
            search_radius_m: self.search_radius,
            service_areas: self.service_areas.into(),
            scenario: (!scenario.is_empty()).then_some(scenario),
            distance: match (self.distance, self.detour) {
                (DistanceArg::Network, Some(_)) => return Err(Error::Usage("--detour applies to --distance straight only".into())),
                (DistanceArg::Network, None) => crate::coverage::DistanceMethod::Network,
                (DistanceArg::Straight, detour) => crate::coverage::DistanceMethod::StraightLine { detour },
            },
            dem: self.dem.clone(),
            walker: self.walker.into(),
            walker_compare: self.walker_compare,
            ..CoverageOptions::default()
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub bundle: BundleFlags,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The bundle rules (eligibility, adjacency, population bounds).
#[derive(Debug, Clone, Args)]
pub struct BundleFlags {
    /// Estates built before this year are in scope: 2001 = built by end-2000; 2006 admits the end-2005 scope.
    #[arg(long, default_value_t = 2001, value_name = "YEAR", help_heading = "Bundles")]
    pub built_before: i32,
    /// Minimum share of households willing to renovate (2/3 by the policy documents).
    #[arg(long, default_value_t = 0.667, value_name = "SHARE", help_heading = "Bundles")]
    pub consent: f64,
    /// Use the Zhifu rule instead: at least 2/3 of owners consulted and 3/4 of those agree.
    #[arg(long, help_heading = "Bundles")]
    pub zhifu_consent: bool,
    /// Estates whose gap is at most this many metres (a lane or a small road) are adjacent.
    #[arg(long, default_value_t = 30.0, value_name = "METRES", help_heading = "Bundles")]
    pub gap: f64,
    /// Roads of this class and above separate estates.
    #[arg(long, value_enum, ignore_case = true, default_value_t = BarrierRoadsArg::Primary, value_name = "CLASS", help_heading = "Bundles")]
    pub barrier_roads: BarrierRoadsArg,
    /// Bundle population floor.
    #[arg(long, default_value_t = 5000.0, value_name = "N", help_heading = "Bundles")]
    pub min_pop: f64,
    /// Bundle population ceiling.
    #[arg(long, default_value_t = 12000.0, value_name = "N", help_heading = "Bundles")]
    pub max_pop: f64,
    /// Seed of the partition's random choices (same seed, same bundles).
    #[arg(long, default_value_t = 1, value_name = "S", help_heading = "Bundles")]
    pub seed: u64,
    /// Leave estates that need a survey out of bundles instead of bundling them provisionally.
    #[arg(long, help_heading = "Bundles")]
    pub exclude_needs_survey: bool,
}

/// `--barrier-roads`: the lowest OSM road class that separates estates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BarrierRoadsArg {
    /// Only motorways.
    Motorway,
    /// Trunk roads and above.
    Trunk,
    /// Primary roads and above.
    Primary,
    /// Secondary roads and above.
    Secondary,
    /// Tertiary roads and above.
    Tertiary,
}

impl From<BarrierRoadsArg> for RoadClass {
    fn from(arg: BarrierRoadsArg) -> RoadClass {
        match arg {
            BarrierRoadsArg::Motorway => RoadClass::Motorway,
            BarrierRoadsArg::Trunk => RoadClass::Trunk,
            BarrierRoadsArg::Primary => RoadClass::Primary,
            BarrierRoadsArg::Secondary => RoadClass::Secondary,
            BarrierRoadsArg::Tertiary => RoadClass::Tertiary,
        }
    }
}

impl BundleFlags {
    /// The bundle rules, checked here, once, for every command that bundles (`bundle`, `plan`, `batch`):
    /// a value no run can use is refused before any input is read.
    fn options(&self) -> Result<BundleOptions> {
        let opts = BundleOptions {
            built_before: self.built_before,
            consent: self.consent,
            zhifu_rule: self.zhifu_consent,
            gap_m: self.gap,
            barrier_roads: self.barrier_roads.into(),
            min_pop: self.min_pop,
            max_pop: self.max_pop,
            seed: self.seed,
            bundle_needs_survey: !self.exclude_needs_survey,
        };
        opts.check()?;
        Ok(opts)
    }
}

impl InputArgs {
    fn spec(&self) -> InputSpec {
        InputSpec {
            osm: self.osm.clone(),
            layers: self.layers.clone(),
            estates: self.estates.clone(),
            facilities: self.facilities.clone(),
            network: self.network.clone(),
            gates: self.gates.clone(),
            buildings: self.buildings.clone(),
            idle_land: self.idle_land.clone(),
            barriers: self.barriers.clone(),
            boundaries: self.boundaries.clone(),
            protected_land: self.protected_land.clone(),
            survey: self.survey.clone(),
            profile: self.profile.clone(),
            crs: self.crs.clone(),
            input_coords: match self.input_coords {
                InputCoordsArg::Wgs84 => InputCoords::Wgs84,
                InputCoordsArg::Gcj02 => InputCoords::Gcj02,
                InputCoordsArg::Bd09 => InputCoords::Bd09,
            },
            fields: LayerFields {
                id_field: self.id_field.clone(),
                name_field: self.name_field.clone(),
                category_field: self.category_field.clone(),
                population_field: self.population_field.clone(),
                households_field: self.households_field.clone(),
            },
        }
    }
}

impl OutputArgs {
    fn spec(&self, lang: Lang) -> OutputSpec {
        OutputSpec {
            lang,
            out_crs: None,
            dir: self.out.clone(),
            format: match self.format {
                FormatArg::Geojson => OutputFormat::GeoJson,
                FormatArg::Gpkg => OutputFormat::GeoPackage,
            },
        }
    }
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let default = if cli.quiet { "error" } else { "info" };
    let filter = EnvFilter::try_from_env("LIFECIRCLE_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A second initialisation (tests calling `run` twice) is harmless, so its error is ignored.
    let _ = match cli.log_format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// What `plan` prints when it is done, in the language of the run: where each output is, and the key figures.
fn plan_written_message(lang: Lang, out: &std::path::Path, summary: &pipeline::PlanSummary) -> String {
    let words = crate::lang::Catalogue::of(lang);
    let path = |key: &str, file: &str| words.tr_with(key, &[("path", &out.join(file).display())]);
    let lines = [
        words.tr_with("cli.plan_written", &[("dir", &out.display())]),
        path("cli.report", "report.html"),
        path("cli.geopackage", "lifecircle.gpkg"),
        path("cli.workbook", crate::write::xlsx::workbook_file_name(lang)),
        path("cli.map", "coverage_map.png"),
        path("cli.summary", "summary.json"),
        words.tr_with(
            "cli.figures",
            &[
                ("estates", &summary.estates),
                ("residents", &format!("{:.0}", summary.population)),
                ("bundles", &summary.bundles.bundles),
                ("sites", &summary.sites),
                ("rejects", &summary.rejects),
            ],
        ),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Run a parsed command line.
pub fn run(cli: &Cli) -> Result<()> {
    let out_crs = cli.out_crs()?;
    match &cli.command {
        Command::Extract(a) => pipeline::extract(&a.input.spec(), &OutputSpec { out_crs, ..a.output.spec(cli.lang) }).map(|_| ()),
        Command::Coverage(a) => pipeline::coverage(&a.input.spec(), &OutputSpec { out_crs, ..a.output.spec(cli.lang) }, &a.coverage.options()?).map(|_| ()),
        Command::Plan(a) => {
            let opts = a.plan.options()?;
            let out = OutputSpec { dir: a.out.clone(), format: OutputFormat::GeoPackage, lang: cli.lang, out_crs: cli.out_crs()? };
            let show_progress = !cli.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
            let summary = pipeline::plan(&a.input.spec(), &out, &opts, show_progress)?;
            if !cli.quiet {
                print!("{}", plan_written_message(cli.lang, &a.out, &summary));
            }
            Ok(())
        }
        Command::Batch(a) if !a.merge.is_empty() => batch_merge(cli, a),
        Command::Batch(a) => {
            let opts = a.plan.options()?;
            let out = OutputSpec { dir: a.out.clone(), format: OutputFormat::GeoPackage, lang: cli.lang, out_crs: cli.out_crs()? };
            let shard = a.shard.unwrap_or(crate::pipeline::batch::shard::Shard::WHOLE);
            let outcomes = match (&a.areas, &a.inputs) {
                (Some(areas), _) => crate::pipeline::batch::batch_areas(&a.input.spec(), areas, &a.area_id_field, &out, &opts, shard)?,
                (None, Some(dir)) => crate::pipeline::batch::batch_inputs(&a.input.spec(), dir, &out, &opts, shard)?,
                (None, None) => return Err(Error::Usage("give --areas FILE (with --osm or layers) or --inputs DIR".into())),
            };
            if !cli.quiet {
                let words = crate::lang::Catalogue::of(cli.lang);
                let line = match a.shard {
                    Some(k) => words.tr_with("cli.batch_shard_written", &[("shard", &k), ("areas", &outcomes.len()), ("dir", &a.out.display())]),
                    None => words.tr_with("cli.batch_written", &[("areas", &outcomes.len()), ("dir", &a.out.display())]),
                };
                println!("{line}");
            }
            batch_failures(&outcomes, &a.out)
        }
        Command::Sites(a) => pipeline::sites(&a.input.spec(), &OutputSpec { out_crs, ..a.output.spec(cli.lang) }, &a.coverage.options()?, &a.siting.options()?).map(|_| ()),
        Command::Bundle(a) => pipeline::bundle(&a.input.spec(), &OutputSpec { out_crs, ..a.output.spec(cli.lang) }, &a.bundle.options()?).map(|_| ()),
        Command::Rerun(a) => rerun(a),
    }
}

/// Exit 2 when areas of a batch failed, naming them and the table that holds their errors.
fn batch_failures(outcomes: &[crate::pipeline::batch::AreaOutcome], out: &std::path::Path) -> Result<()> {
    let failed: Vec<&str> = outcomes.iter().filter(|o| o.status == AreaStatus::Failed).map(|o| o.area_id.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!("{} of {} areas failed ({}); their errors are in {}", failed.len(), outcomes.len(), failed.join(", "), out.join("batch_summary.csv").display())))
    }
}

/// `lifecircle batch --merge DIR... --out DIR` ([`crate::pipeline::batch::merge`]).
fn batch_merge(cli: &Cli, a: &BatchArgs) -> Result<()> {
    let s = a.input.spec();
    let given = [&s.osm, &s.layers, &s.estates, &s.facilities, &s.network, &s.gates, &s.buildings, &s.idle_land, &s.barriers, &s.boundaries, &s.protected_land, &s.survey, &s.profile];
    if given.iter().any(|p| p.is_some()) {
        return Err(Error::Usage("--merge combines the folders of finished shards and reads no map data: leave out --osm, --layers and the layer flags".into()));
    }
    if cli.out_crs.is_some() {
        return Err(Error::Usage("--merge keeps the CRS the shards wrote their GeoPackages in: leave out --out-crs (give it to the shards' runs)".into()));
    }
    let (outcomes, summary) = crate::pipeline::batch::merge::merge(&a.merge, &a.out)?;
    if !cli.quiet {
        let words = crate::lang::Catalogue::of(cli.lang);
        println!("{}", words.tr_with("cli.batch_merged", &[("shards", &summary.shards), ("areas", &summary.areas), ("dir", &a.out.display())]));
    }
    batch_failures(&outcomes, &a.out)
}

/// Parse the process arguments, run, and return the exit code.
/// `lifecircle rerun`: check the recorded inputs, then run the recorded command line into the new folder
/// from the recorded working directory ([`pipeline::rerun`]).
fn rerun(a: &RerunArgs) -> Result<()> {
    let out = std::path::absolute(&a.out).map_err(|e| Error::Usage(format!("--out {}: {e}", a.out.display())))?;
    let prepared = pipeline::rerun::prepare_rerun(&a.run, &out, a.force)?;
    let recorded = &prepared.recorded;
    let mut notes = vec![format!("rerun of {} (made {} by lifecircle {} {})", a.run.display(), recorded.created_utc, recorded.lifecircle_version, recorded.git_commit)];
    for line in &prepared.changed {
        tracing::warn!("--force: {line}");
        notes.push(format!("--force: {line}"));
    }
    if recorded.lifecircle_version != env!("CARGO_PKG_VERSION") || recorded.git_commit != crate::provenance::GIT_COMMIT {
        tracing::warn!(
            "the run was made by lifecircle {} ({}); this is {} ({}): results may differ where the engine changed",
            recorded.lifecircle_version,
            recorded.git_commit,
            env!("CARGO_PKG_VERSION"),
            crate::provenance::GIT_COMMIT
        );
    }
    let repeated = Cli::try_parse_from(&prepared.args).map_err(|e| Error::input(&a.run, format!("its command line no longer parses: {e}"), "run the recorded command by hand, adapted to this lifecircle"))?;
    if matches!(repeated.command, Command::Rerun(_)) {
        return Err(Error::input(&a.run, "records a rerun, not a run", "give the JSON the rerun wrote (it records the repeated command)"));
    }
    std::env::set_current_dir(&prepared.working_directory)
        .map_err(|e| Error::input(&prepared.working_directory, format!("the run's working directory cannot be entered: {e}"), "run from a machine where the recorded paths exist"))?;
    crate::provenance::set_rerun(prepared.args.clone(), notes);
    tracing::info!(command = %prepared.args.join(" "), "repeating the run");
    run(&repeated)
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    init_logging(&cli);
    pipeline::install_quiet_library_handlers();
    install_panic_hook();
    match std::panic::catch_unwind(|| run(&cli)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
        // The hook has already printed the message with its location.
        Err(_) => 1,
    }
}

/// Replace Rust's default panic message (`thread 'main' panicked at ...`, `note: run with
/// RUST_BACKTRACE=1`) by one line a planner can pass on: what failed, where in the source, and whom to tell.
/// The run then ends with exit code 1 (see [`main`]).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", internal_error_message(info.payload(), info.location()));
    }));
}

/// The text printed for a panic: its message (when it is text) and source location.
fn internal_error_message(payload: &(dyn std::any::Any + Send), location: Option<&std::panic::Location<'_>>) -> String {
    let what = payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_else(|| "lifecircle stopped unexpectedly".to_string());
    let place = location.map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
    format!("error: internal error: {what}{place}; please report this to the lifecircle developers with the command line and input files")
}

impl From<clap::Error> for Error {
    fn from(e: clap::Error) -> Error {
        Error::Usage(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_message_names_the_failure_and_its_place_without_rust_boilerplate() {
        let location = std::panic::Location::caller();
        let text = internal_error_message(&"index out of bounds", Some(location));
        assert!(text.starts_with("error: internal error: index out of bounds (at src/cli.rs:"), "{text}");
        assert!(text.contains("please report") && !text.contains("panicked") && !text.contains("RUST_BACKTRACE"), "{text}");
        let owned: Box<dyn std::any::Any + Send> = Box::new(String::from("bad state"));
        assert!(internal_error_message(owned.as_ref(), None).starts_with("error: internal error: bad state; please report"));
        let other: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert!(internal_error_message(other.as_ref(), None).contains("lifecircle stopped unexpectedly"));
    }

    #[test]
    fn flags_with_a_fixed_set_of_values_keep_their_spellings_and_defaults() {
        let parse = |extra: &[&str]| {
            let cli = Cli::try_parse_from(["lifecircle", "plan", "--osm", "x.osm.pbf", "--out", "o"].iter().chain(extra)).unwrap();
            let Command::Plan(a) = cli.command else { panic!("parsed as another subcommand") };
            a.plan.options().unwrap()
        };
        let defaults = parse(&[]);
        assert_eq!((defaults.coverage.access_rule, defaults.coverage.service_areas, defaults.bundle.barrier_roads), (AccessRule::Gates, ServiceAreaOutput::Auto, RoadClass::Primary));
        let chosen = parse(&["--access", "centroid", "--service-areas", "lines+polygons", "--barrier-roads", "Secondary"]);
        assert_eq!((chosen.coverage.access_rule, chosen.coverage.service_areas, chosen.bundle.barrier_roads), (AccessRule::Centroid, ServiceAreaOutput::LinesAndPolygons, RoadClass::Secondary));
        assert_eq!(parse(&["--service-areas", "polygons"]).coverage.service_areas, ServiceAreaOutput::LinesAndPolygons);
        assert_eq!(parse(&["--service-areas", "none"]).coverage.service_areas, ServiceAreaOutput::None);
        // A value outside the set is refused by the parser, which lists the allowed ones (exit code 2).
        let err = Cli::try_parse_from(["lifecircle", "coverage", "--osm", "x", "--out", "o", "--access", "door"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
        assert!(err.use_stderr() && err.to_string().contains("gates, boundary, centroid"), "{err}");
    }

    #[test]
    fn bundle_rules_are_checked_when_the_flags_are_read() {
        let cli = Cli::try_parse_from(["lifecircle", "bundle", "--osm", "x.osm.pbf", "--out", "o", "--consent", "2"]).unwrap();
        let Command::Bundle(a) = &cli.command else { panic!("parsed as another subcommand") };
        assert!(a.bundle.options().unwrap_err().to_string().contains("--consent 2"));
    }

    #[test]
    fn lang_is_global_chinese_by_default_and_reaches_the_output_spec() {
        let cli = Cli::try_parse_from(["lifecircle", "coverage", "--osm", "x.osm.pbf", "--out", "o"]).unwrap();
        assert_eq!(cli.lang, Lang::Zh);
        for args in [["lifecircle", "--lang", "en", "extract", "--osm", "x.osm.pbf", "--out", "o"], ["lifecircle", "extract", "--osm", "x.osm.pbf", "--out", "o", "--lang", "en"]] {
            let cli = Cli::try_parse_from(args).unwrap();
            let Command::Extract(a) = &cli.command else { panic!("parsed as another subcommand") };
            assert_eq!(a.output.spec(cli.lang).lang, Lang::En);
        }
        let err = Cli::try_parse_from(["lifecircle", "plan", "--lang", "fr", "--osm", "x", "--out", "o"]).unwrap_err();
        assert!(err.to_string().contains("[possible values: zh, en]"), "{err}");
    }

    #[test]
    fn batch_shard_is_k_of_n_from_1_and_a_bad_value_says_what_to_write() {
        let parse = |shard: &str| Cli::try_parse_from(["lifecircle", "batch", "--areas", "a.geojson", "--osm", "x.osm.pbf", "--shard", shard, "--out", "o"]);
        let Command::Batch(a) = parse("3/3").unwrap().command else { panic!("parsed as another subcommand") };
        assert_eq!(a.shard, Some(crate::pipeline::batch::shard::Shard { index: 3, count: 3 }));
        for bad in ["0/3", "4/3", "3", "x/y"] {
            let err = parse(bad).unwrap_err();
            // A usage error: exit code 2, naming the flag and the form to write.
            assert!(err.use_stderr() && err.exit_code() == 2, "{bad}");
            let text = err.to_string();
            assert!(text.contains("--shard") && text.contains("write K/N") && text.contains("counted from 1"), "{bad}: {text}");
        }
    }

    #[test]
    fn batch_merge_takes_the_shard_folders_and_no_areas() {
        let cli = Cli::try_parse_from(["lifecircle", "batch", "--merge", "s1", "s2", "s3", "--out", "m"]).unwrap();
        let Command::Batch(a) = &cli.command else { panic!("parsed as another subcommand") };
        assert_eq!(a.merge, vec![PathBuf::from("s1"), PathBuf::from("s2"), PathBuf::from("s3")]);
        for conflicting in [["--areas", "a.geojson"], ["--inputs", "dir"], ["--shard", "1/3"]] {
            let err = Cli::try_parse_from(["lifecircle", "batch", "--merge", "s1", "--out", "m"].iter().chain(&conflicting)).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict, "{conflicting:?}");
        }
        // Without --merge, the areas (or inputs) are still required.
        let err = Cli::try_parse_from(["lifecircle", "batch", "--out", "m"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    }

    #[test]
    fn layer_field_flags_default_to_none_so_aliases_apply() {
        let cli = Cli::try_parse_from(["lifecircle", "extract", "--estates", "e.geojson", "--out", "o"]).unwrap();
        let Command::Extract(a) = &cli.command else { panic!("parsed as another subcommand") };
        assert_eq!(a.input.spec().fields, LayerFields::default());
    }
}
