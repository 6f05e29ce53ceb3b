//! Issue 16: the data Chinese planners hold. The Amap-shaped test set (`tests/data/amap-xuanwu`, made by
//! `scripts/make_amap_testset.py` from the demo OpenStreetMap extract, ODbL) read with per-layer options
//! — GCJ-02 AOIs and POIs with Amap typecodes, a CGCS2000 Gauss-Krüger road layer without `.prj` — must
//! give the same estates and walking distances as the same district given as WGS 84 GeoJSON.

use gdal::Dataset;
use gdal::vector::LayerAccess;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const D: &str = "tests/data/amap-xuanwu";

fn lifecircle(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the binary runs")
}

fn amap_args(roads_crs: &str) -> Vec<String> {
    vec![
        "--estates".into(),
        format!("{D}/amap_aoi.gpkg|id=id|coords=gcj02|scheme=amap"),
        "--facilities".into(),
        format!("{D}/amap_poi.gpkg|layername=poi|id=id|coords=gcj02|scheme=amap"),
        "--network".into(),
        format!("{D}/roads.shp|crs={roads_crs}"),
    ]
}

fn run_plan(extra: &[&str], inputs: &[String], out: &Path) {
    let mut args: Vec<&str> = vec!["-q"];
    args.extend_from_slice(extra);
    args.push("plan");
    args.extend(inputs.iter().map(String::as_str));
    let out_s = out.display().to_string();
    args.extend(["--out", &out_s]);
    let o = lifecircle(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn features(path: &Path) -> Vec<Json> {
    let v: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["features"].as_array().unwrap().clone()
}

fn estates_by_id(out: &Path) -> BTreeMap<String, Json> {
    features(&out.join("geojson/estates.geojson")).into_iter().map(|f| (f["properties"]["estate_id"].as_str().unwrap().to_string(), f)).collect()
}

#[test]
fn amap_gcj02_and_cgcs2000_inputs_give_the_wgs84_estates_and_distances() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("amap"), dir.path().join("wgs84"));
    run_plan(&[], &amap_args("EPSG:4549"), &a);
    let wgs: Vec<String> = ["--estates", "wgs84_estates.geojson", "--facilities", "wgs84_facilities.geojson", "--network", "wgs84_roads.geojson"]
        .iter()
        .map(|s| if s.starts_with("--") { s.to_string() } else { format!("{D}/{s}") })
        .collect();
    run_plan(&[], &wgs, &b);
    let (ea, eb) = (estates_by_id(&a), estates_by_id(&b));
    assert_eq!(ea.keys().collect::<Vec<_>>(), eb.keys().collect::<Vec<_>>());
    assert_eq!(ea.len(), 56, "the 56 housing AOIs, villa included; offices, park, dormitory, unknown code rejected");
    let mut compared = 0;
    for (id, fa) in &ea {
        for (field, x) in fa["properties"].as_object().unwrap() {
            if !field.starts_with("dist_") {
                continue;
            }
            let y = &eb[id]["properties"][field];
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => {
                    assert!((x - y).abs() < 0.01, "{id} {field}: {x} vs {y}");
                    compared += 1;
                }
                _ => assert_eq!(x, y, "{id} {field}"),
            }
        }
    }
    assert!(compared > 300, "{compared} distances compared");
    // The villa is an estate marked 别墅, which the eligibility rule excludes.
    let villa = &ea["B0AOI0003"]["properties"];
    assert!(villa["estate_type"].as_str().unwrap().contains("别墅") && villa["eligible"] == "no", "{villa}");
    // Every non-housing AOI and every POI outside the table is a reject naming its type.
    let rejects: BTreeMap<String, String> = features(&a.join("geojson/rejects.geojson"))
        .into_iter()
        .map(|f| (f["properties"]["source_id"].as_str().unwrap().to_string(), f["properties"]["reason"].as_str().unwrap().to_string()))
        .collect();
    for (id, words) in [
        ("B0OTH0000", ["120201", "商务写字楼"]),
        ("B0OTH0002", ["120100", "产业园区"]),
        ("B0OTH0003", ["120303", "宿舍"]),
        ("B0OTH0004", ["110101", "公园"]),
        ("B0OTH0005", ["unknown Amap typecode 999999", "未知类型;测试;测试"]),
        ("B0EAT0000", ["unknown Amap typecode 050100", "餐饮服务;中餐厅;中餐厅"]),
        ("B0RES0000", ["120302", "no facility category"]),
    ] {
        let reason = rejects.get(id).unwrap_or_else(|| panic!("{id} is not in the rejects"));
        assert!(words.iter().all(|w| reason.contains(w)), "{id}: {reason}");
    }
    // As the workbook and QGIS show them in Chinese.
    let zh = lifecircle::lang::Catalogue::of(lifecircle::lang::Lang::Zh);
    let worded = |id: &str| lifecircle::write::reject_reasons::reason_text_in(&rejects[id], zh);
    assert_eq!(worded("B0OTH0000"), "高德分类编码 120201（商务写字楼 (office tower)）不是规则 [[scheme]] 表中的小区类型");
    assert!(worded("B0EAT0000").starts_with("未知的高德分类编码 050100 (餐饮服务;中餐厅;中餐厅)：规则的 [[scheme.amap]] 表中"), "{}", worded("B0EAT0000"));
    assert_eq!(worded("B0RES0000"), format!("高德分类编码 120302（{}）不属于规则中的任何设施类别", rejects["B0RES0000"].split(" is ").nth(1).unwrap().split(',').next().unwrap()));
}

#[test]
fn every_amap_typecode_class_goes_where_the_table_says() {
    let p = lifecircle::profile::Profile::default_profile();
    use lifecircle::profile::{CategoryScheme::*, EstateVerdict};
    let category = |s, c: &str| p.scheme.lookup(s, c).and_then(|r| r.category.clone());
    let estate = |c: &str| p.scheme.lookup(Amap, c).map(|r| r.estate);
    for (code, key) in [
        ("141204", "kindergarten"),
        ("141203", "primary_school"),
        ("141202", "middle_school"),
        ("090100", "health_center"),
        ("090102", "health_center"),
        ("090300", "health_station"),
        ("060200", "convenience"),
        ("060400", "vegetable_market"),
        ("110101", "park"),
        ("080100", "sports"),
        ("130106", "community_service"),
        ("140500", "culture"),
        ("150702", "bus_stop"),
        ("141202|141400", "middle_school"),
    ] {
        assert_eq!(category(Amap, code).as_deref(), Some(key), "{code}");
    }
    assert_eq!(category(Amap, "110106"), None, "a facility inside a park is no park");
    for (code, verdict) in [("120302", EstateVerdict::Yes), ("120300", EstateVerdict::Yes), ("120301", EstateVerdict::Villa), ("120201", EstateVerdict::No), ("120100", EstateVerdict::No), ("120303", EstateVerdict::No)] {
        assert_eq!(estate(code), Some(Some(verdict)), "{code}");
    }
    assert!(p.scheme.lookup(Amap, "050100").is_none());
    for (tag, key) in [("教育培训;幼儿园", "kindergarten"), ("医疗;诊所", "health_station"), ("交通设施;公交车站", "bus_stop")] {
        assert_eq!(category(Baidu, tag).as_deref(), Some(key), "{tag}");
    }
    assert_eq!(p.scheme.lookup(Baidu, "房地产;住宅区").and_then(|r| r.estate), Some(EstateVerdict::Yes));
    assert_eq!(p.scheme.lookup(Baidu, "房地产;写字楼").and_then(|r| r.estate), Some(EstateVerdict::No));
    assert!(p.scheme.lookup(Baidu, "教育培训").is_none(), "a first level alone does not match a second-level row");
}

#[test]
fn out_crs_geopackages_carry_the_srs_and_round_trip_to_the_geojson() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, epsg) in [("cgcs2000", 4549), ("cgcs2000-zone-prefix", 4528), ("EPSG:32650", 32650)] {
        let out = dir.path().join(flag);
        run_plan(&["--out-crs", flag], &amap_args("EPSG:4549"), &out);
        let ds = Dataset::open(out.join("lifecircle.gpkg")).unwrap();
        let mut layer = ds.layer_by_name("estates").unwrap();
        let srs = layer.spatial_ref().unwrap();
        assert_eq!(srs.auth_code().unwrap(), epsg, "{flag}");
        let to_wgs = lifecircle::crs::Transformer::new(&format!("EPSG:{epsg}"), "EPSG:4326").unwrap();
        let geojson = estates_by_id(&out);
        let mut checked = 0;
        for f in layer.features() {
            let idx = f.field_index("estate_id").unwrap();
            let id = f.field_as_string(idx).unwrap().unwrap();
            let g = f.geometry().unwrap();
            let (x, y, _) = g.get_geometry(0).get_geometry(0).get_point(0);
            let back = to_wgs.coord(geo_types::coord! { x: x, y: y }).unwrap();
            let first = &geojson[&id]["geometry"]["coordinates"][0][0][0];
            let (lon, lat) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
            let dx = (back.x - lon) * 111_320.0 * lat.to_radians().cos();
            let dy = (back.y - lat) * 110_574.0;
            assert!(dx.hypot(dy) < 0.01, "{flag} {id}: {dx} {dy}");
            checked += 1;
        }
        assert_eq!(checked, 56);
    }
}

#[test]
fn a_declared_zone_three_degrees_off_exits_2_naming_the_zone_that_fits() {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["-q".into(), "plan".into()];
    args.extend(amap_args("EPSG:4548"));
    args.extend(["--out".into(), dir.path().display().to_string()]);
    let o = lifecircle(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    let m = String::from_utf8_lossy(&o.stderr);
    assert!(m.contains("roads.shp") && m.contains("EPSG:4548") && m.contains("the zone that fits is EPSG:4549"), "{m}");
    // Without any CRS, the hint computes the zone from the coordinates and the layers read before.
    let mut args: Vec<String> = vec!["-q".into(), "plan".into()];
    args.extend(amap_args("EPSG:4549"));
    let last = args.len() - 1;
    args[last] = format!("{D}/roads.shp");
    args.extend(["--out".into(), dir.path().display().to_string()]);
    let o = lifecircle(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    let m = String::from_utf8_lossy(&o.stderr);
    assert!(m.contains("crs=EPSG:4549") && !m.contains("4547"), "{m}");
}

#[test]
fn unknown_layer_option_and_an_all_rejected_poi_layer_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let o = lifecircle(&["-q", "plan", "--estates", &format!("{D}/amap_aoi.gpkg|srs=EPSG:4549"), "--out", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("accepted: layername, crs, id, name, category, population, households, coords, where, scheme"));
    // Typecodes read as profile categories (no scheme): every POI is rejected, which is an error, not a result.
    let o = lifecircle(&["-q", "plan", "--estates", &format!("{D}/amap_aoi.gpkg|coords=gcj02|scheme=amap"), "--facilities", &format!("{D}/amap_poi.gpkg|category=typecode"), "--network", &format!("{D}/roads.shp|crs=EPSG:4549"), "--out", &out]);
    assert_eq!(o.status.code(), Some(2));
    let m = String::from_utf8_lossy(&o.stderr);
    assert!(m.contains("amap_poi.gpkg") && m.contains("were rejected") && m.contains("scheme=amap"), "{m}");
    // A where filter keeps only the housing AOIs: no office is read, so none is rejected.
    let o = lifecircle(&["-q", "plan", "--estates", &format!("{D}/amap_aoi.gpkg|id=id|coords=gcj02|scheme=amap|where=typecode LIKE '1203%' AND typecode <> '120303'"), "--facilities", &format!("{D}/amap_poi.gpkg|id=id|coords=gcj02|scheme=amap"), "--network", &format!("{D}/roads.shp|crs=EPSG:4549"), "--out", &out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rejected: Vec<String> = features(&dir.path().join("geojson/rejects.geojson")).iter().filter_map(|f| f["properties"]["source_id"].as_str().map(str::to_string)).collect();
    assert!(!rejected.iter().any(|id| id.starts_with("B0OTH")), "{rejected:?}");
}

#[test]
fn the_no_prj_hint_names_the_zone_in_three_zones() {
    use geo_types::{Coord, Rect};
    use lifecircle::crs::gauss_kruger::missing_crs_hint;
    let projected = |epsg: u32, lon: f64, lat: f64| lifecircle::crs::Transformer::new("EPSG:4326", &format!("EPSG:{epsg}")).unwrap().coord(Coord { x: lon, y: lat }).unwrap();
    // Nanjing (zone 40), Chengdu (zone 35), Harbin (zone 42), with the zone number in the easting and without it.
    for (lon, lat, cm) in [(118.8, 32.05, 120u32), (104.07, 30.67, 105), (126.63, 45.75, 126)] {
        for prefix in [true, false] {
            let epsg = lifecircle::crs::gauss_kruger::cgcs2000_gk_epsg(cm, prefix).unwrap();
            let c = projected(epsg, lon, lat);
            let extent = Rect::new(c, Coord { x: c.x + 2000.0, y: c.y + 2000.0 });
            let reference = (!prefix).then_some(Coord { x: lon + 0.01, y: lat + 0.01 });
            let hint = missing_crs_hint(extent, reference);
            assert!(hint.contains(&format!("crs=EPSG:{epsg}")), "{lon} {prefix}: {hint}");
        }
    }
}

#[test]
fn survey_names_typed_by_planners_match_amap_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = amap_args("EPSG:4549");
    inputs.extend(["--survey".to_string(), format!("{D}/survey.csv")]);
    run_plan(&[], &inputs, dir.path());
    let estates = estates_by_id(dir.path());
    // 玄武1号小区 exact; 玄武2号 ~ 玄武2号花园 (suffix); 玄武３号新村 (full width); 玄武 5号 (北门) ~ 玄武5号(北门)
    // (spaces, brackets); 玄武6號宿舍 ~ 玄武6号宿舍 (traditional form).
    for (id, population) in [("B0AOI0000", 1200.0), ("B0AOI0001", 800.0), ("B0AOI0002", 950.0), ("B0AOI0004", 400.0), ("B0AOI0005", 640.0)] {
        let p = &estates[id]["properties"];
        assert_eq!((p["population"].as_f64(), p["population_source"].as_str()), (Some(population), Some("survey")), "{id}: {p}");
    }
    let unmatched = std::fs::read_to_string(dir.path().join("survey_unmatched.csv")).unwrap();
    let line = unmatched.lines().find(|l| l.contains("玄武99号楼")).unwrap_or_else(|| panic!("{unmatched}"));
    // Edit distance 2 each (one digit changed, 楼 dropped), ties by name.
    assert!(line.contains("no estate is named `玄武99号楼`; the closest names are 玄武19号小区、玄武29号(北门)、玄武49号小区"), "{line}");
    assert_eq!(unmatched.lines().count(), 2, "{unmatched}");
}

#[test]
fn estates_only_inputs_run_with_straight_distances_labelled_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<String> = amap_args("EPSG:4549").into_iter().take(4).collect(); // estates and POIs, no roads
    let out = dir.path().display().to_string();
    let mut args: Vec<&str> = vec!["-q", "plan"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["--out", &out]);
    let o = lifecircle(&args);
    assert_eq!(o.status.code(), Some(2), "no network and no --distance straight is an error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--distance straight"));
    args.extend(["--distance", "straight"]);
    let o = lifecircle(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let estates = estates_by_id(dir.path());
    assert!(estates.values().all(|e| e["properties"]["distance_method"] == "straight_line_x1.3"));
    let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(!summary.contains("walking_network") && summary.contains("straight_line_x1.3"));
    for file in ["report.html", "coverage_map.svg"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(text.contains("估算值：直线距离 × 1.3，没有步行路网"), "{file}");
    }
    // With the roads, the default stays the walking network.
    let dir2 = tempfile::tempdir().unwrap();
    run_plan(&[], &amap_args("EPSG:4549"), dir2.path());
    assert!(estates_by_id(dir2.path()).values().all(|e| e["properties"]["distance_method"] == "walking_network"));
}
