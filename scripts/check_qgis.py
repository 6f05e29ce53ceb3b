#!/usr/bin/python3
"""Open lifecircle's outputs in real QGIS (headless) and check that a planner would see them styled.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis.py [--gpkg FILE.gpkg]... [--geojson-dir DIR]... [--lang zh|en]

Needs Debian's `python3-qgis` (QGIS 3.22) and the Debian interpreter /usr/bin/python3 (a pyenv `python3`
first on PATH has no qgis module).

For every layer of each GeoPackage and every `*.geojson` of each folder it checks that QGIS:
- loads the layer (`isValid()`) and counts features (`featureCount() > 0`);
- reads one geometry type for it (points, lines or polygons, single and multi alike), not an unknown or
  mixed one, which QGIS would make the user split into sub-layers; only `rejects` may mix;
- finds its style: for a GeoPackage layer `loadDefaultStyle()` must read the `layer_styles` row lifecircle
  wrote; for a GeoJSON file `loadDefaultStyle()` must read the `.qml` beside it (NAME.geojson -> NAME.qml);
- applies it: the renderer QGIS built is the one lifecircle's style declares (`renderer-v2 type`), with the same
  classification field and number of classes, and layers whose style has labels have labels enabled;
- shows the style's words: every field has the alias the style gives it (`layer.attributeAlias(i)`, what the
  attribute table and identify panel show), the legend QGIS builds (`legendSymbolItems()`) has the
  style's labels, and the label expression evaluates on the features;
- with `--lang zh`, every alias and legend label is Chinese (holds a CJK character) and none, nor any
  label drawn, shows a category key; with `--lang en`, none holds a CJK character. A GeoPackage's `gpkg_data_columns`
  titles must equal the aliases too;
- shows coded values by their names: every field the style gives a `ValueMap` widget (`eligible`,
  `reason_code`, `category` ...) has that widget in QGIS (`editorWidgetSetup`), and QGIS's own formatter
  shows each value of the layer as the style's name for it (`yes` -> 符合改造条件; in Chinese with `--lang zh`).

Prints one line per layer and `N passed, M failed`; exits 0 when all passed, 1 when any failed, 2 on bad
arguments or when QGIS cannot be imported.
"""

import argparse
import glob
import os
import sys
import traceback
import xml.etree.ElementTree as ET

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

try:
    from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer, QgsWkbTypes
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"cannot import qgis ({e}): install python3-qgis and run with /usr/bin/python3", file=sys.stderr)
    sys.exit(2)


def expected_from_qml(qml_text):
    """What a style declares: (renderer type, classification attribute, number of classes, labels enabled)."""
    root = ET.fromstring(qml_text)
    renderer = root.find("renderer-v2")
    if renderer is None:
        return None
    kind = renderer.get("type")
    classes = len(renderer.findall("ranges/range")) + len(renderer.findall("categories/category"))
    colour = None
    for option in renderer.iter("Option"):
        if option.get("name") in ("color", "line_color"):
            colour = tuple(int(v) for v in option.get("value").split(","))
            break
    return kind, renderer.get("attr"), classes, root.get("labelsEnabled") == "1", colour


def words_from_qml(qml_text):
    """What a style makes QGIS show: {field: alias}, and the legend labels of its ranges or categories."""
    root = ET.fromstring(qml_text)
    aliases = {a.get("field"): a.get("name") for a in root.iter("alias")}
    renderer = root.find("renderer-v2")
    labels = [] if renderer is None else [n.get("label") for n in renderer.findall("ranges/range") + renderer.findall("categories/category")]
    return aliases, labels


def gpkg_titles(gpkg, table):
    """{column: title} of `table` in the GeoPackage's gpkg_data_columns, read with OGR."""
    from osgeo import ogr

    ds = ogr.Open(gpkg)
    result = ds.ExecuteSQL(f"SELECT column_name, title FROM gpkg_data_columns WHERE table_name = '{table}'")
    titles = {} if result is None else {f.GetField(0): f.GetField(1) for f in result}
    if result is not None:
        ds.ReleaseResultSet(result)
    return titles


def has_cjk(text):
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


CATEGORY_KEYS = ("kindergarten", "nursery", "elderly_care", "health_station", "community_service", "fitness", "convenience", "primary_school",
                 "vegetable_market", "park", "sports", "middle_school", "health_center", "culture", "bus_stop")


def value_maps_from_qml(qml_text):
    """{field: {value: name}} of the style's ValueMap widgets."""
    maps = {}
    for field in ET.fromstring(qml_text).iter("field"):
        widget = field.find("editWidget")
        if widget is None or widget.get("type") != "ValueMap":
            continue
        maps[field.get("name")] = {o.get("value"): o.get("name") for o in widget.iter("Option") if o.get("type") == "QString"}
    return maps


def check_value_maps(layer, qml_text, lang):
    """Problems with how QGIS shows the coded fields the style maps to names."""
    problems = []
    registry = QgsApplication.fieldFormatterRegistry()
    fields = layer.fields()
    maps = value_maps_from_qml(qml_text)
    # The distinct values of every mapped field, in one pass over the features.
    values = {name: set() for name in maps}
    if maps and layer.featureCount() < 50000:
        for feature in layer.getFeatures():
            for name in values:
                if fields.indexOf(name) >= 0 and feature[name] not in (None, ""):
                    values[name].add(feature[name])
    for name, expected in maps.items():
        i = fields.indexOf(name)
        if i < 0:
            problems.append(f"the style maps the values of {name}, which the layer lacks")
            continue
        setup = layer.editorWidgetSetup(i)
        if setup.type() != "ValueMap":
            problems.append(f"field {name}: QGIS uses widget {setup.type()!r}, the style gives ValueMap")
            continue
        formatter = registry.fieldFormatter("ValueMap")
        for value in sorted(values[name]):
            shown = formatter.representValue(layer, i, setup.config(), None, value)
            if shown != expected.get(value):
                problems.append(f"field {name}: QGIS shows {value!r} as {shown!r}, the style names it {expected.get(value)!r}")
            elif lang == "zh" and not has_cjk(shown) and shown != value:
                problems.append(f"field {name}: {value!r} is shown as {shown!r}, not Chinese")
    return problems


def check_words(layer, qml_text, lang, titles):
    """Problems with the aliases and legend labels QGIS shows for a styled layer."""
    problems = []
    expected_aliases, expected_labels = words_from_qml(qml_text)
    fields = layer.fields()
    shown = {fields.at(i).name(): layer.attributeAlias(i) for i in range(fields.count())}
    for name, alias in shown.items():
        if name == "fid":
            continue
        if name not in expected_aliases:
            problems.append(f"field {name} has no alias in the style")
        elif alias != expected_aliases[name]:
            problems.append(f"field {name}: QGIS shows alias {alias!r}, the style says {expected_aliases[name]!r}")
        if titles is not None and titles.get(name) != expected_aliases.get(name):
            problems.append(f"field {name}: gpkg_data_columns title {titles.get(name)!r} differs from the style's alias")
    legend = [item.label() for item in layer.renderer().legendSymbolItems()]
    if expected_labels and legend != expected_labels:
        problems.append(f"legend {legend} differs from the style's labels {expected_labels}")
    # The labels QGIS draws, evaluated on the first features: a site shows its category's name, not its key.
    if layer.labelsEnabled() and layer.labeling() is not None:
        from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils

        settings = layer.labeling().settings()
        expression = QgsExpression(settings.fieldName if settings.isExpression else f'"{settings.fieldName}"')
        context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
        for feature in list(layer.getFeatures())[:20]:
            context.setFeature(feature)
            text = str(expression.evaluate(context))
            if expression.hasEvalError():
                problems.append(f"label expression fails: {expression.evalErrorString()}")
                break
            if lang == "zh" and any(k in text for k in CATEGORY_KEYS):
                problems.append(f"label {text!r} shows a category key")
    problems += check_value_maps(layer, qml_text, lang)
    words = [a for n, a in shown.items() if n != "fid"] + legend
    if lang == "zh":
        problems += [f"{w!r} is not Chinese" for w in words if w and not has_cjk(w)]
        problems += [f"{w!r} shows a category key" for w in words if any(k in w for k in CATEGORY_KEYS)]
    elif lang == "en":
        problems += [f"{w!r} is not English" for w in words if has_cjk(w)]
    return problems


def actual_from_layer(layer):
    renderer = layer.renderer()
    kind = renderer.type()
    attr, classes = None, 0
    if kind == "graduatedSymbol":
        attr, classes = renderer.classAttribute(), len(renderer.ranges())
    elif kind == "categorizedSymbol":
        attr, classes = renderer.classAttribute(), len(renderer.categories())
    colour = None
    symbols = renderer.symbols(QgsRenderContext())
    if symbols:
        c = symbols[0].symbolLayer(0).color() if symbols[0].symbolLayerCount() else symbols[0].color()
        colour = (c.red(), c.green(), c.blue(), c.alpha())
    return kind, attr, classes, layer.labelsEnabled(), colour


def gpkg_style_qml(gpkg, table):
    """The styleQML lifecircle stored for `table`, read with OGR (None when there is no row)."""
    from osgeo import ogr

    ds = ogr.Open(gpkg)
    styles = ds.GetLayerByName("layer_styles") if ds else None
    if styles is None:
        return None
    styles.SetAttributeFilter(f"f_table_name = '{table}' AND useAsDefault = 1")
    feature = styles.GetNextFeature()
    return feature.GetField("styleQML") if feature else None


# The one output layer that may hold any geometry (or none): a rejected feature keeps whatever it had.
MIXED_LAYERS = {"rejects"}


def check_layer(label, layer, qml_text, lang=None, titles=None):
    problems = []
    if not layer.isValid():
        return ["QGIS cannot load it"]
    if layer.featureCount() <= 0:
        problems.append(f"featureCount() = {layer.featureCount()}")
    if layer.name() not in MIXED_LAYERS and layer.geometryType() == QgsWkbTypes.UnknownGeometry:
        problems.append(f"no single geometry type ({QgsWkbTypes.displayString(layer.wkbType())})")
    message, found = layer.loadDefaultStyle()
    if not found:
        problems.append(f"loadDefaultStyle() found no style ({message})")
    if qml_text is None:
        problems.append("no lifecircle style to compare with")
    else:
        expected = expected_from_qml(qml_text)
        actual = actual_from_layer(layer)
        if expected != actual:
            problems.append(f"style not applied: expected (renderer, field, classes, labels, first colour) {expected}, QGIS has {actual}")
        if found:
            problems += check_words(layer, qml_text, lang, titles)
    return problems


def gpkg_layers(gpkg):
    """The feature and attribute tables of a GeoPackage, except QGIS's own layer_styles, read with OGR."""
    from osgeo import ogr

    ds = ogr.Open(gpkg)
    if ds is None:
        return []
    names = [ds.GetLayerByIndex(i).GetName() for i in range(ds.GetLayerCount())]
    return [n for n in names if n != "layer_styles"]


def render(gpkg, png_path):
    """Draw the GeoPackage's layers with their default styles, as QGIS's map canvas would, into a PNG."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    order = ["sites", "facilities", "bundles", "facility_footprints", "estates", "idle_land", "network", "service_lines", "service_areas"]
    names = gpkg_layers(gpkg)
    names.sort(key=lambda n: order.index(n) if n in order else len(order))
    layers = []
    for name in names:
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        layer.loadDefaultStyle()
        layers.append(layer)
    extent = QgsRectangle()
    for layer in layers:
        extent.combineExtentWith(layer.extent())
    extent.scale(1.05)
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(1200, 900))
    from qgis.core import QgsCoordinateTransform, QgsProject

    transform = QgsCoordinateTransform(layers[0].crs(), settings.destinationCrs(), QgsProject.instance())
    settings.setExtent(transform.transformBoundingBox(extent))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png_path, "png")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpkg", action="append", default=[], help="a GeoPackage written by lifecircle")
    parser.add_argument("--geojson-dir", action="append", default=[], help="a folder of NAME.geojson + NAME.qml")
    parser.add_argument("--render", metavar="PNG", help="also draw the first GeoPackage's layers, styled, into this image")
    parser.add_argument("--lang", choices=["zh", "en"], help="the language the outputs were written in: every alias and legend label must be in it")
    args = parser.parse_args()
    if not args.gpkg and not args.geojson_dir:
        parser.error("give at least one --gpkg or --geojson-dir")
    for path in args.gpkg + args.geojson_dir:
        if not os.path.exists(path):
            print(f"{path}: no such file or folder", file=sys.stderr)
            sys.exit(2)

    app = QgsApplication([], False)
    app.initQgis()
    passed = failed = 0
    try:
        targets = []
        for gpkg in args.gpkg:
            names = gpkg_layers(gpkg)
            if not names:
                targets.append((gpkg, None, None, None))
            for name in names:
                layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
                targets.append((f"{gpkg}|{name}", layer, gpkg_style_qml(gpkg, name), gpkg_titles(gpkg, name)))
        for folder in args.geojson_dir:
            files = sorted(glob.glob(os.path.join(folder, "*.geojson")))
            if not files:
                targets.append((folder, None, None, None))
            for path in files:
                qml_path = os.path.splitext(path)[0] + ".qml"
                qml_text = open(qml_path, encoding="utf-8").read() if os.path.exists(qml_path) else None
                name = os.path.splitext(os.path.basename(path))[0]
                targets.append((path, QgsVectorLayer(path, name, "ogr"), qml_text, None))
        for label, layer, qml_text, titles in targets:
            problems = ["holds no layer"] if layer is None else check_layer(label, layer, qml_text, args.lang, titles)
            if problems:
                failed += 1
                print(f"FAIL {label}: " + "; ".join(problems))
            else:
                passed += 1
                kind, attr, classes, labels, _ = actual_from_layer(layer)
                detail = f"{kind}" + (f" on {attr} ({classes} classes)" if attr else "") + (", labelled" if labels else "")
                aliases = [layer.attributeAlias(i) for i in range(layer.fields().count()) if layer.attributeAlias(i)]
                detail += f", {len(aliases)} aliases" + (f" ({', '.join(aliases[:3])} …)" if aliases else "")
                print(f"ok   {label}: {layer.featureCount()} features, {detail}")
        if args.render and args.gpkg:
            render(args.gpkg[0], args.render)
            print(f"rendered {args.gpkg[0]} to {args.render}")
        print(f"{passed} passed, {failed} failed")
    except Exception:  # the traceback must show although the process leaves through os._exit
        traceback.print_exc()
        failed += 1
    finally:
        # Python-held layers must go before QGIS shuts down, and the interpreter's own teardown can still
        # crash inside PyQt after exitQgis(): leave through os._exit with the verdict once output is flushed.
        targets = None
        app.exitQgis()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
