#!/usr/bin/python3
"""Build the Amap-shaped test set of issue 16 from the demo OpenStreetMap extract (Debian's python3-gdal).

    target/debug/lifecircle -q extract --osm data/nanjing-xuanwu-2021.osm.pbf --out /tmp/extract
    /usr/bin/python3 scripts/make_amap_testset.py /tmp/extract tests/data/amap-xuanwu

Writes, from the extract's estates, facilities and walking network (© OpenStreetMap contributors, ODbL):
- amap_aoi.gpkg: the estates as Amap 商务住宅 AOIs in GCJ-02 with Amap's export fields (id, name, type,
  typecode, address, location, pname, cityname, adname), one villa (120301), and office towers (120201),
  an industrial park (120100), a dormitory (120303) and a park (110101) made from non-housing buildings;
- amap_poi.gpkg: the facilities as Amap POIs in GCJ-02 (typecode by category; categories Amap's table
  has no code for are left out), plus restaurants (050100, not in the scheme table) and a 住宅小区 POI;
- roads.shp: the walking network in CGCS2000 3° Gauss-Krüger zone 40 (CM 120°E, EPSG:4549), without .prj;
- wgs84_estates.geojson, wgs84_facilities.geojson, wgs84_roads.geojson: the same district in WGS 84
  (the estates a scheme keeps, the facilities the POI layer holds, the same roads), for comparison;
- survey.csv: a survey table whose names are written the way Amap writes them.
Nothing here is scraped: every feature derives from OpenStreetMap.
"""
import json
import math
import os
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
osr.UseExceptions()

# GCJ-02 forward offset: the Krasovsky-ellipsoid polynomial every open implementation reproduces
# (coordtransform, eviltransform; the same as src/crs/china.rs through the geocoordinates crate).
A = 6378245.0
EE = 0.00669342162296594323


def _lat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs_to_gcj(lon, lat):
    dlat = _lat(lon - 105.0, lat - 35.0)
    dlon = _lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def map_coords(geom, f):
    t = geom["type"]
    c = geom["coordinates"]
    if t == "Point":
        return {"type": t, "coordinates": list(f(*c[:2]))}
    if t in ("LineString", "MultiPoint"):
        return {"type": t, "coordinates": [list(f(*p[:2])) for p in c]}
    if t in ("Polygon", "MultiLineString"):
        return {"type": t, "coordinates": [[list(f(*p[:2])) for p in r] for r in c]}
    if t == "MultiPolygon":
        return {"type": t, "coordinates": [[[list(f(*p[:2])) for p in r] for r in poly] for poly in c]}
    raise ValueError(t)


def centroid(geom):
    g = ogr.CreateGeometryFromJson(json.dumps(geom))
    p = g.Centroid() if g.GetGeometryType() != ogr.wkbPoint else g
    return p.GetX(), p.GetY()


AMAP_FIELDS = ["id", "name", "type", "typecode", "address", "location", "pname", "cityname", "adname"]
CATEGORY_CODES = {
    "kindergarten": ("141204", "科教文化服务;学校;幼儿园"),
    "primary_school": ("141203", "科教文化服务;学校;小学"),
    "middle_school": ("141202", "科教文化服务;学校;中学"),
    "health_center": ("090100", "医疗保健服务;综合医院;综合医院"),
    "health_station": ("090300", "医疗保健服务;诊所;诊所"),
    "convenience": ("060200", "购物服务;便民商店/便利店;便民商店/便利店"),
    "vegetable_market": ("060400", "购物服务;超级市场;超市"),
    "park": ("110101", "风景名胜;公园广场;公园"),
    "sports": ("080100", "体育休闲服务;运动场馆;运动场馆"),
    "community_service": ("130106", "政府机构及社会团体;政府机关;乡镇以下级政府及事业单位"),
    "culture": ("140500", "科教文化服务;图书馆;图书馆"),
    "bus_stop": ("150702", "交通设施服务;公交车站;普通公交站"),
}


def write_layer(path, layer_name, srs_epsg, geom_type, fields, features, driver="GPKG", write_prj=True):
    drv = ogr.GetDriverByName(driver)
    if os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.CreateDataSource(path)
    srs = None
    if srs_epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(srs_epsg)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    options = ["ENCODING=UTF-8"] if driver == "ESRI Shapefile" else []
    lyr = ds.CreateLayer(layer_name, srs=srs, geom_type=geom_type, options=options)
    for name in fields:
        fd = ogr.FieldDefn(name, ogr.OFTString)
        fd.SetWidth(64)
        lyr.CreateField(fd)
    for props, geom in features:
        f = ogr.Feature(lyr.GetLayerDefn())
        for name in fields:
            if props.get(name) is not None:
                f.SetField(name, str(props[name]))
        g = ogr.CreateGeometryFromJson(json.dumps(geom))
        f.SetGeometry(ogr.ForceTo(g, geom_type) if geom_type != ogr.wkbUnknown else g)
        lyr.CreateFeature(f)
    ds = None
    if not write_prj:
        prj = os.path.splitext(path)[0] + ".prj"
        if os.path.exists(prj):
            os.remove(prj)


def write_geojson(path, features):
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}, out, ensure_ascii=False)
        out.write("\n")


def main(extract, out):
    os.makedirs(out, exist_ok=True)
    load = lambda n: json.load(open(os.path.join(extract, n + ".geojson"), encoding="utf-8"))["features"]
    estates, facilities, network, buildings = load("estates"), load("facilities"), load("network"), load("buildings")
    base = {"pname": "江苏省", "cityname": "南京市", "adname": "玄武区"}

    # AOIs: every estate a 住宅小区 (one a 别墅), with Amap-style names; then the non-housing AOIs.
    aoi, wgs_estates, survey = [], [], []
    suffixes = ["小区", "花园", "新村", "苑", "(北门)", "宿舍"]
    for i, e in enumerate(estates):
        p = e["properties"]
        name = p.get("name") or f"玄武{i + 1}号{suffixes[i % len(suffixes)]}"
        code, typ = ("120301", "商务住宅;住宅区;别墅") if i == 3 else ("120302", "商务住宅;住宅区;住宅小区")
        x, y = wgs_to_gcj(*centroid(e["geometry"]))
        aoi.append(({"id": f"B0AOI{i:04d}", "name": name, "type": typ, "typecode": code, "address": "玄武区", "location": f"{x:.6f},{y:.6f}", **base}, map_coords(e["geometry"], wgs_to_gcj)))
        wgs_estates.append(({"estate_id": f"B0AOI{i:04d}", "name": name}, e["geometry"]))
    others = [("120201", "商务住宅;楼宇;商务写字楼", "建业大厦(湖滨北路)"), ("120201", "商务住宅;楼宇;商务写字楼", "玄武科技大厦"),
              ("120100", "商务住宅;产业园区;产业园区", "徐庄软件园"), ("120303", "商务住宅;住宅区;宿舍", "东南大学教工宿舍"),
              ("110101", "风景名胜;公园广场;公园", "北极阁公园"), ("999999", "未知类型;测试;测试", "编码不在表中的AOI")]
    big = sorted((b for b in buildings if not b["properties"].get("residential")), key=lambda b: b["properties"].get("building_id") or "")
    for j, (code, typ, name) in enumerate(others):
        b = big[j * 7 % max(len(big), 1)]
        x, y = wgs_to_gcj(*centroid(b["geometry"]))
        aoi.append(({"id": f"B0OTH{j:04d}", "name": name, "type": typ, "typecode": code, "address": "玄武区", "location": f"{x:.6f},{y:.6f}", **base}, map_coords(b["geometry"], wgs_to_gcj)))
    write_layer(os.path.join(out, "amap_aoi.gpkg"), "aoi", 4326, ogr.wkbMultiPolygon, AMAP_FIELDS, aoi)
    write_geojson(os.path.join(out, "wgs84_estates.geojson"), wgs_estates)

    # POIs: facilities with an Amap code; restaurants and a 住宅小区 POI the scheme must reject.
    poi, wgs_facilities = [], []
    for i, f in enumerate(facilities):
        p = f["properties"]
        if p["category"] not in CATEGORY_CODES:
            continue
        code, typ = CATEGORY_CODES[p["category"]]
        x, y = wgs_to_gcj(*centroid(f["geometry"]))
        pid = f"B0POI{i:04d}"
        poi.append(({"id": pid, "name": p.get("name") or typ.split(";")[-1], "type": typ, "typecode": code, "address": "玄武区", "location": f"{x:.6f},{y:.6f}", **base}, map_coords(f["geometry"], wgs_to_gcj)))
        wgs_facilities.append(({"facility_id": pid, "name": p.get("name"), "category": p["category"]}, f["geometry"]))
    for j in range(3):
        g = facilities[j * 11]["geometry"]
        x, y = wgs_to_gcj(*centroid(g))
        poi.append(({"id": f"B0EAT{j:04d}", "name": f"老字号面馆{j + 1}", "type": "餐饮服务;中餐厅;中餐厅", "typecode": "050100", "address": "玄武区", "location": f"{x:.6f},{y:.6f}", **base}, {"type": "Point", "coordinates": [x, y]}))
    x, y = wgs_to_gcj(*centroid(estates[0]["geometry"]))
    poi.append(({"id": "B0RES0000", "name": aoi[0][0]["name"], "type": "商务住宅;住宅区;住宅小区", "typecode": "120302", "address": "玄武区", "location": f"{x:.6f},{y:.6f}", **base}, {"type": "Point", "coordinates": [x, y]}))
    write_layer(os.path.join(out, "amap_poi.gpkg"), "poi", 4326, ogr.wkbUnknown, AMAP_FIELDS, poi)
    write_geojson(os.path.join(out, "wgs84_facilities.geojson"), wgs_facilities)

    # Roads: CGCS2000 3° GK zone 40 (CM 120°E, EPSG:4549) Shapefile without .prj, and the WGS 84 copy.
    src = osr.SpatialReference()
    src.ImportFromEPSG(4326)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4549)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_gk = osr.CoordinateTransformation(src, dst)
    roads, wgs_roads = [], []
    for w in network:
        p = w["properties"]
        props = {"way_id": p["way_id"], "name": p.get("name"), "highway": p.get("highway"), "access": p.get("access"), "foot": p.get("foot")}
        roads.append((props, map_coords(w["geometry"], lambda x, y: to_gk.TransformPoint(x, y)[:2])))
        wgs_roads.append((props, w["geometry"]))
    write_layer(os.path.join(out, "roads.shp"), "roads", 4549, ogr.wkbLineString, ["way_id", "name", "highway", "access", "foot"], roads, driver="ESRI Shapefile", write_prj=False)
    write_geojson(os.path.join(out, "wgs84_roads.geojson"), wgs_roads)

    # Survey: names as planners type them against Amap's (full-width, spaces, brackets, suffixes, traditional).
    rows = [("玄武1号小区", 1200), ("玄武2号", 800), ("玄武３号新村", 950), ("玄武 5号 (北门)", 400), ("玄武6號宿舍", 640), ("玄武99号楼", 300)]
    with open(os.path.join(out, "survey.csv"), "w", encoding="utf-8") as f:
        f.write("小区名称,人口,建成年代,同意比例\n")
        for name, pop in rows:
            f.write(f"{name},{pop},1995,0.8\n")
    with open(os.path.join(out, "ATTRIBUTION.md"), "w", encoding="utf-8") as f:
        f.write("Derived from OpenStreetMap data (data/nanjing-xuanwu-2021.osm.pbf), © OpenStreetMap contributors,\n"
                "available under the Open Database License (ODbL) 1.0: https://www.openstreetmap.org/copyright.\n"
                "Made by scripts/make_amap_testset.py; the Amap-shaped fields imitate Amap's export format, no Amap data is included.\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
