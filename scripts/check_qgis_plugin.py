#!/usr/bin/python3
"""Install the lifecircle QGIS plugin from its zip into a fresh QGIS profile and use it headless, as a
planner would from the Processing toolbox or a script.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/check_qgis_plugin.py --zip target/lifecircle-qgis.zip \\
        --binary target/release/lifecircle --osm data/nanjing-xuanwu-2021.osm.pbf --work target/check-clients/plugin \\
        [--screenshots docs]

Needs Debian's python3-qgis (QGIS 3.22, with the Processing plugin) and /usr/bin/python3. Checks:
- install: the zip unpacked into the fresh profile's python/plugins as "Install from ZIP" does, the plugin
  loaded and started by QGIS's own plugin loader; metadata version = the engine's `--version`;
- provider "lifecircle" lists plan, coverage, bundles, sites, extract (and rerun), each with OSM and OUTPUT, field
  drop-downs bound to their layer; the interface follows the language setting (zh, en);
- plan on project layers: `lifecircle extract` writes the layers of the OSM file, they are loaded into the
  project, `processing.run("lifecircle:plan", ...)` runs on them and the estates' distances equal those
  of the CLI's own plan on the same layers; the group of layers is in the project, top to bottom as
  intended, each valid and styled as lifecircle's stored style says; progress reached 100; the exported
  layers are kept in OUTPUT/inputs, and both `lifecircle rerun` and `processing.run("lifecircle:rerun", ...)`
  repeat the plan from them with the same distances;
- field drop-downs: coverage on an estates layer whose fields have Chinese names, picked for id, name and
  population, gives the same distances; "selected features only" sends only the selection;
- a survey workbook (.xlsx, Chinese headers) is converted and joined; a 5-minute threshold set in the
  dialog is applied; extract, bundles, sites and coverage run on the OSM file and add their layers, each
  styled as stored in its GeoPackage; the
  report opens in the (stand-in) browser when asked; `--lang` is passed only when the engine has it;
- errors: a facilities layer without category fails with the engine's message (no traceback, no output
  folder); a missing engine names the install command;
- Cancel after the first progress line: the engine process is gone and the output folder holds exactly
  what it held before.
Prints one line per check and `N passed, M failed`; exit 0 when all passed.
"""

import argparse
import glob
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.append("/usr/share/qgis/python/plugins")
sys.path.append(os.path.dirname(os.path.abspath(__file__)))  # check_qgis: the style comparison

try:
    from qgis.core import (
        QgsApplication,
        QgsFeature,
        QgsField,
        QgsLayerTreeGroup,
        QgsProcessingException,
        QgsProcessingFeatureSourceDefinition,
        QgsProcessingFeedback,
        QgsProject,
        QgsVectorLayer,
    )
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"cannot import qgis ({e}): install python3-qgis and run with /usr/bin/python3", file=sys.stderr)
    sys.exit(2)

INPUT_LAYERS = {  # Processing parameter -> table written by `lifecircle extract`
    "ESTATES": "estates", "FACILITIES": "facilities", "NETWORK": "network", "GATES": "gates", "BUILDINGS": "buildings",
    "IDLE_LAND": "idle_land", "BARRIERS": "barriers",
}
FEEDBACKS = {}  # the feedback of the main runs, for later checks
CLI_FLAGS = {"ESTATES": "--estates", "FACILITIES": "--facilities", "NETWORK": "--network", "GATES": "--gates",
             "BUILDINGS": "--buildings", "IDLE_LAND": "--idle-land", "BARRIERS": "--barriers"}


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}" + (f": {detail}" if detail else ""))
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return ok


class Feedback(QgsProcessingFeedback):
    """Records what the algorithm reports; cancels itself once the engine logged `cancel_on` (if given)."""

    def __init__(self, cancel_on=None):
        super().__init__()
        self.infos, self.texts, self.progress, self.commands = [], [], [], []
        self.cancel_on = cancel_on
        self.progressChanged.connect(lambda p: self.progress.append(p))

    def pushInfo(self, text):
        self.infos.append(text)
        if self.cancel_on and text.startswith(self.cancel_on) and not self.isCanceled():
            self.cancel()

    def pushCommandInfo(self, text):
        self.commands.append(text)

    def setProgressText(self, text):
        self.texts.append(text)


def install_zip(zip_path):
    """Unpack the zip into the profile's plugin folder with QGIS's installer code, then load and start the
    plugin with QGIS's plugin loader (what "Install from ZIP" does)."""
    import qgis.utils

    plugins_dir = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
    os.makedirs(plugins_dir, exist_ok=True)
    spec = importlib.util.spec_from_file_location("qgis_installer_unzip", "/usr/share/qgis/python/pyplugin_installer/unzip.py")
    unzip = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unzip)
    unzip.unzip(zip_path, plugins_dir)
    qgis.utils.home_plugin_path = plugins_dir
    if plugins_dir not in qgis.utils.plugin_paths:
        qgis.utils.plugin_paths.insert(0, plugins_dir)
    if plugins_dir not in sys.path:
        sys.path.insert(0, plugins_dir)
    qgis.utils.updateAvailablePlugins()
    loaded = qgis.utils.loadPlugin("lifecircle") and qgis.utils.startProcessingPlugin("lifecircle")
    return plugins_dir, loaded


def read_estates(gpkg):
    """{estate_id: {dist_K: value}} of a GeoPackage's estates layer, read with OGR."""
    from osgeo import ogr

    ds = ogr.Open(gpkg)
    layer = ds.GetLayerByName("estates")
    definition = layer.GetLayerDefn()
    dist_fields = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())
                   if definition.GetFieldDefn(i).GetName().startswith("dist_")]
    rows = {}
    for feature in layer:
        rows[feature.GetField("estate_id")] = {f: feature.GetField(f) for f in dist_fields}
    return rows


def compare_distances(a, b, tolerance_m=1e-6):
    """(estates compared, distances compared, [differences beyond `tolerance_m`])."""
    differences = []
    n = 0
    for estate_id in sorted(set(a) | set(b)):
        if estate_id not in a or estate_id not in b:
            differences.append(f"{estate_id} only in one run")
            continue
        for field in sorted(set(a[estate_id]) | set(b[estate_id])):
            x, y = a[estate_id].get(field), b[estate_id].get(field)
            n += 1
            if (x is None) != (y is None) or (x is not None and not math.isclose(x, y, abs_tol=tolerance_m)):
                differences.append(f"{estate_id}.{field}: {x} vs {y}")
    return len(set(a) & set(b)), n, differences


def engine_processes(marker):
    """Pids of processes whose command line contains `marker`."""
    pids = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(cmdline.split("/")[2]))
        except OSError:
            continue
    return [p for p in pids if p != os.getpid()]


def project_group(name):
    root = QgsProject.instance().layerTreeRoot()
    return next((g for g in root.children() if isinstance(g, QgsLayerTreeGroup) and g.name() == name), None)


def renamed_estates(source):
    """A memory copy of the estates whose id, name and population fields have Chinese names."""
    names = {"estate_id": "小区编号", "name": "小区名称", "population": "常住人口"}
    layer = QgsVectorLayer(f"MultiPolygon?crs={source.crs().authid()}", "小区（中文字段）", "memory")
    fields = [QgsField(names.get(f.name(), f.name()), f.type(), f.typeName()) for f in source.fields()]
    layer.dataProvider().addAttributes(fields)
    layer.updateFields()
    features = []
    for f in source.getFeatures():
        copy = QgsFeature(layer.fields())
        copy.setGeometry(f.geometry())
        copy.setAttributes(f.attributes())
        features.append(copy)
    layer.dataProvider().addFeatures(features)
    return layer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zip", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--osm", required=True)
    parser.add_argument("--work", required=True, help="folder for this check's runs (emptied first)")
    parser.add_argument("--screenshots", help="also save the dialog and the result as PNG into this folder")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    for path in (args.zip, binary, args.osm):
        if not os.path.exists(path):
            print(f"{path}: no such file", file=sys.stderr)
            sys.exit(2)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    profile_dir = tempfile.mkdtemp(prefix="qgis-profile-")

    app = QgsApplication([], False, profile_dir)
    app.initQgis()
    checks = Checks()
    try:
        run_checks(checks, args, binary, work, profile_dir)
    except Exception:  # the traceback must show although the process leaves through os._exit
        traceback.print_exc()
        checks.failed += 1
    print(f"{checks.passed} passed, {checks.failed} failed")
    sys.stdout.flush()
    sys.stderr.flush()
    QgsProject.instance().clear()
    shutil.rmtree(profile_dir, ignore_errors=True)
    app.exitQgis()
    # PyQt's own teardown can crash after exitQgis(): leave with the verdict once the output is flushed.
    os._exit(0 if checks.failed == 0 and checks.passed > 0 else 1)


def run_checks(checks, args, binary, work, profile_dir):
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing

    # --- install -----------------------------------------------------------------------------------------
    checks.check("fresh profile", QgsApplication.qgisSettingsDirPath().startswith(profile_dir), QgsApplication.qgisSettingsDirPath())
    plugins_dir, loaded = install_zip(os.path.abspath(args.zip))
    installed_at = os.path.dirname(sys.modules["lifecircle"].__file__) if "lifecircle" in sys.modules else None
    checks.check("plugin installed from the zip and started by QGIS", loaded and installed_at == os.path.join(plugins_dir, "lifecircle"), str(installed_at))
    import qgis.utils

    version = qgis.utils.pluginMetadata("lifecircle", "version")
    engine_version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()[-1]
    checks.check("metadata version = the engine's", version == engine_version, f"plugin {version}, engine {engine_version}")
    from lifecircle import settings

    settings.set_binary_path(binary)
    settings.set_language("zh")
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("lifecircle")
    provider.refreshAlgorithms()
    ids = sorted(a.id() for a in provider.algorithms()) if provider else []
    checks.check("provider lists the six algorithms", provider is not None and provider.name() == "lifecircle 社区生活圈"
                 and ids == ["lifecircle:bundles", "lifecircle:coverage", "lifecircle:extract", "lifecircle:plan", "lifecircle:rerun", "lifecircle:sites"], ", ".join(ids))
    problems = []
    for alg in provider.algorithms():
        if alg.id() == "lifecircle:rerun":
            names = [p.name() for p in alg.parameterDefinitions()]
            if names[:3] != ["RUN", "FORCE", "OUTPUT"] or alg.displayName() != "重复运行":
                problems.append(f"rerun has {names}, named {alg.displayName()}")
            continue
        names = [p.name() for p in alg.parameterDefinitions()]
        if "OSM" not in names or "OUTPUT" not in names:
            problems.append(f"{alg.id()} lacks OSM or OUTPUT")
        field = alg.parameterDefinition("ESTATES_POPULATION_FIELD")
        if field is None or field.parentLayerParameterName() != "ESTATES":
            problems.append(f"{alg.id()}: the population drop-down is not bound to ESTATES")
    plan_alg = registry.algorithmById("lifecircle:plan")
    for name in ("K", "MIN_POP", "MAX_POP", "ACCESS", "THRESHOLD_5MIN", "SURVEY", "PROFILE", "CRS", "INPUT_COORDS", "LANGUAGE", "TITLE"):
        if plan_alg.parameterDefinition(name) is None:
            problems.append(f"plan has no {name}")
    checks.check("parameters: OSM, OUTPUT, layers with field drop-downs, the CLI's options", not problems,
                 "; ".join(problems) or f"plan has {len(plan_alg.parameterDefinitions())} parameters")
    checks.check("Chinese interface", plan_alg.displayName() == "全流程" and plan_alg.parameterDefinition("OSM").description().startswith("OpenStreetMap 数据")
                 and "GB 50180-2018" in plan_alg.shortHelpString(), plan_alg.displayName())
    settings.set_language("en")
    provider.refreshAlgorithms()
    english = registry.algorithmById("lifecircle:plan")
    checks.check("English interface after the language setting changes", english.displayName() == "Plan (whole run)"
                 and english.parameterDefinition("ESTATES").description() == "Estates (polygons)" and provider.name() == "lifecircle community life circles",
                 english.displayName())
    from processing.core.ProcessingConfig import ProcessingConfig

    described = ProcessingConfig.settings.get(settings.LANGUAGE)
    checks.check("settings in Processing → Options → Providers → lifecircle 社区生活圈, texts in the language",
                 described is not None and described.group == "lifecircle 社区生活圈" and described.description.startswith("Interface language")
                 and ProcessingConfig.settings[settings.BINARY].valuetype == 1, described.description if described else "not registered")
    settings.set_language("zh")
    provider.refreshAlgorithms()

    # --- the project's layers: what `lifecircle extract` reads from the OSM file --------------------------
    extract_dir = os.path.join(work, "extract")
    done = subprocess.run([binary, "--quiet", "extract", "--osm", args.osm, "--out", extract_dir, "--format", "gpkg"], capture_output=True, text=True)
    source_gpkg = os.path.join(extract_dir, "lifecircle.gpkg")
    checks.check("lifecircle extract wrote the layers", done.returncode == 0 and os.path.isfile(source_gpkg), done.stderr.strip()[-300:])
    project = QgsProject.instance()
    layers = {}
    for param, table in INPUT_LAYERS.items():
        layer = QgsVectorLayer(f"{source_gpkg}|layername={table}", table, "ogr")
        project.addMapLayer(layer)
        layers[param] = layer
    checks.check("project layers loaded", all(l.isValid() and l.featureCount() > 0 for l in layers.values()),
                 ", ".join(f"{l.name()} {l.featureCount()}" for l in layers.values()))
    if args.screenshots:
        shown = {param: layer.id() for param, layer in layers.items()}
        shown.update({"ESTATES_ID_FIELD": "estate_id", "ESTATES_NAME_FIELD": "name", "ESTATES_POPULATION_FIELD": "population",
                      "FACILITIES_CATEGORY_FIELD": "category", "OUTPUT": "/home/规划/玄武区/生活圈"})
        save_dialog_screenshot(registry.algorithmById("lifecircle:plan"), shown, os.path.join(args.screenshots, "qgis-plugin-dialog.png"), checks)

    # --- the CLI's plan on the same layers ------------------------------------------------------------------
    cli_out = os.path.join(work, "cli-plan")
    argv = [binary, "--quiet", "plan"]
    for param, table in INPUT_LAYERS.items():
        argv += [CLI_FLAGS[param], f"{source_gpkg}|layername={table}"]
    done = subprocess.run(argv + ["--out", cli_out], capture_output=True, text=True)
    checks.check("CLI plan on the layers", done.returncode == 0, done.stderr.strip()[-300:])
    cli_estates = read_estates(os.path.join(cli_out, "lifecircle.gpkg"))

    # --- the plugin's plan on the project layers ------------------------------------------------------------
    plugin_out = os.path.join(work, "plugin-plan")
    parameters = {param: layer.id() for param, layer in layers.items()}
    parameters.update({"ESTATES_ID_FIELD": "estate_id", "FACILITIES_CATEGORY_FIELD": "category", "OUTPUT": plugin_out})
    feedback = FEEDBACKS["plan"] = Feedback()
    started = time.monotonic()
    result = processing.run("lifecircle:plan", parameters, feedback=feedback)
    seconds = time.monotonic() - started
    checks.check("processing.run lifecircle:plan on project layers", result.get("OUTPUT") == plugin_out and os.path.isfile(result.get("GEOPACKAGE") or ""),
                 f"{seconds:.1f} s, {len(os.listdir(plugin_out))} outputs")
    checks.check("the engine's JSON log drove the progress bar", feedback.progress and max(feedback.progress) >= 99.9
                 and "计算生活圈覆盖" in feedback.texts and "闲置用地选址" in feedback.texts,
                 f"{len(feedback.progress)} updates, stages: {' → '.join(dict.fromkeys(feedback.texts))}")
    command = feedback.commands[0] if feedback.commands else ""
    checks.check("the command line logged names the output folder, not the staging folder",
                 f"--out {plugin_out}" in command and ".lifecircle-qgis-" not in command, command[-120:])
    plugin_estates = read_estates(os.path.join(plugin_out, "lifecircle.gpkg"))
    n_estates, n_distances, differences = compare_distances(cli_estates, plugin_estates)
    checks.check("estates' distances equal the CLI's on the same layers", not differences and n_estates > 0,
                 f"{n_estates} estates, {n_distances} distances compared" + (f"; {len(differences)} differ: {differences[:3]}" if differences else ""))
    # The exported layers are kept in the run's folder, and the CLI repeats the plugin's run from them.
    kept = sorted(os.listdir(os.path.join(plugin_out, "inputs"))) if os.path.isdir(os.path.join(plugin_out, "inputs")) else []
    rerun_out = os.path.join(work, "plugin-plan-rerun")
    done = subprocess.run([binary, "rerun", os.path.join(plugin_out, "summary.json"), "--out", rerun_out, "--quiet"], capture_output=True, text=True)
    rerun_estates = read_estates(os.path.join(rerun_out, "lifecircle.gpkg")) if done.returncode == 0 else {}
    n_rerun, _, rerun_differences = compare_distances(plugin_estates, rerun_estates)
    checks.check("exported layers kept in OUTPUT/inputs; `lifecircle rerun` repeats the plugin's plan from them",
                 done.returncode == 0 and "estates.gpkg" in kept and n_rerun == n_estates and not rerun_differences,
                 f"kept {kept}; rerun exit {done.returncode} {done.stderr.strip()[-200:]}; {n_rerun} estates compared")
    # The same from the toolbox: lifecircle:rerun on the plugin's summary.json.
    feedback = Feedback()
    again_out = os.path.join(work, "plugin-plan-rerun-in-qgis")
    again = processing.run("lifecircle:rerun", {"RUN": os.path.join(plugin_out, "summary.json"), "OUTPUT": again_out}, feedback=feedback)
    again_estates = read_estates(os.path.join(again_out, "lifecircle.gpkg")) if os.path.isfile(os.path.join(again_out, "lifecircle.gpkg")) else {}
    n_again, _, again_differences = compare_distances(plugin_estates, again_estates)
    checks.check("lifecircle:rerun repeats the plugin's plan: same distances, report, progress from the log, group added",
                 again.get("OUTPUT") == again_out and n_again == n_estates and not again_differences and os.path.isfile(again.get("REPORT") or "")
                 and any(0 < p < 100 for p in feedback.progress) and project_group(again.get("GROUP")) is not None,
                 f"{n_again} estates compared, {len(again_differences)} differ; group {again.get('GROUP')}")
    # A kept input changed since the run: the repeat stops with the engine's message naming the file (no
    # traceback, no output folder); "run even when inputs changed" runs it anyway.
    changed_run = os.path.join(work, "plugin-plan-changed-input")
    shutil.rmtree(changed_run, ignore_errors=True)
    shutil.copytree(plugin_out, changed_run)
    with open(os.path.join(changed_run, "inputs", "estates.gpkg"), "ab") as f:
        f.write(b"\0")
    refused_out = os.path.join(work, "plugin-plan-rerun-refused")
    message = run_expecting_failure(processing, "lifecircle:rerun", {"RUN": os.path.join(changed_run, "summary.json"), "OUTPUT": refused_out})
    forced_out = os.path.join(work, "plugin-plan-rerun-forced")
    forced = processing.run("lifecircle:rerun", {"RUN": os.path.join(changed_run, "summary.json"), "FORCE": True, "OUTPUT": forced_out, "LOAD_LAYERS": False},
                            feedback=Feedback())
    checks.check("lifecircle:rerun with a changed input: refused naming the file; FORCE runs it",
                 "estates.gpkg" in message and "Traceback" not in message and not os.path.exists(refused_out)
                 and os.path.isfile(forced.get("GEOPACKAGE") or ""),
                 message[:200])
    check_group(checks, result.get("GROUP"), os.path.join(plugin_out, "lifecircle.gpkg"))
    if args.screenshots:
        save_result_screenshot(result.get("GROUP"), os.path.join(args.screenshots, "qgis-plugin-result.png"), checks)

    # --- field drop-downs and selections ---------------------------------------------------------------------
    chinese = renamed_estates(layers["ESTATES"])
    project.addMapLayer(chinese)
    coverage_out = os.path.join(work, "plugin-coverage-fields")
    parameters = {param: layer.id() for param, layer in layers.items() if param in ("FACILITIES", "NETWORK", "GATES", "BUILDINGS", "BARRIERS")}
    parameters.update({"ESTATES": chinese.id(), "ESTATES_ID_FIELD": "小区编号", "ESTATES_NAME_FIELD": "小区名称",
                       "ESTATES_POPULATION_FIELD": "常住人口", "OUTPUT": coverage_out, "LOAD_LAYERS": False})
    feedback = Feedback()
    processing.run("lifecircle:coverage", parameters, feedback=feedback)
    fields_estates = read_estates(os.path.join(coverage_out, "lifecircle.gpkg"))
    n_estates, n_distances, differences = compare_distances(cli_estates, fields_estates)
    renamed = [i for i in feedback.infos if "小区编号 → estate_id" in i]
    checks.check("Chinese field names picked in the drop-downs give the same distances", not differences and n_estates == len(cli_estates) and renamed,
                 f"{n_estates} estates, {n_distances} distances; {renamed[0] if renamed else 'no renaming logged'}")
    from osgeo import ogr

    ds = ogr.Open(os.path.join(coverage_out, "lifecircle.gpkg"))
    names = sorted(f.GetField("name") or "" for f in ds.GetLayerByName("estates"))
    population = sum(f.GetField("population") or 0 for f in ds.GetLayerByName("estates"))
    expected_population = sum(f["population"] or 0 for f in layers["ESTATES"].getFeatures())
    ds = None
    checks.check("name and population read from the chosen fields", any(names) and math.isclose(population, expected_population, rel_tol=1e-9),
                 f"{sum(1 for n in names if n)} names, population {population:.0f} (layer {expected_population:.0f})")
    chinese.selectByIds(sorted(chinese.allFeatureIds())[:20])
    selection_out = os.path.join(work, "plugin-coverage-selection")
    parameters.update({"ESTATES": QgsProcessingFeatureSourceDefinition(chinese.id(), True), "OUTPUT": selection_out})
    feedback = Feedback()
    processing.run("lifecircle:coverage", parameters, feedback=feedback)
    selected_estates = read_estates(os.path.join(selection_out, "lifecircle.gpkg"))
    logged = [i for i in feedback.infos if "仅选中要素" in i]
    checks.check("selected features only", len(selected_estates) == 20 and set(selected_estates) <= set(cli_estates) and logged,
                 f"{len(selected_estates)} estates of {len(cli_estates)}")

    # --- survey workbook, thresholds, the other algorithms, the report ------------------------------------------
    check_survey_workbook(checks, processing, layers, work)
    check_thresholds(checks, processing, layers, work)
    check_other_algorithms(checks, processing, os.path.abspath(args.osm), work)
    check_open_report(checks, processing, os.path.abspath(args.osm), work)
    help_text = subprocess.run([binary, "plan", "--help"], capture_output=True, text=True).stdout
    from lifecircle import engine as plugin_engine

    lang_told = any("--lang" in i for i in FEEDBACKS["plan"].infos)
    checks.check("--lang passed only when the engine has it", plugin_engine.help_lists_flag(help_text, "--lang") == ("--lang" in FEEDBACKS["plan"].commands[0])
                 and lang_told != plugin_engine.help_lists_flag(help_text, "--lang"),
                 "engine has --lang" if "--lang" in help_text else "engine has no --lang yet: not passed, the log says so")

    # --- errors ----------------------------------------------------------------------------------------------
    no_category = QgsVectorLayer("Point?crs=EPSG:4326&field=kind:string", "设施（无类别）", "memory")
    feature = QgsFeature(no_category.fields())
    feature.setAttributes(["shop"])
    from qgis.core import QgsGeometry, QgsPointXY

    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(118.78, 32.04)))
    no_category.dataProvider().addFeatures([feature])
    project.addMapLayer(no_category)
    bad_out = os.path.join(work, "plugin-bad-input")
    message = run_expecting_failure(processing, "lifecircle:coverage", {"OSM": os.path.abspath(args.osm), "FACILITIES": no_category.id(), "OUTPUT": bad_out})
    checks.check("bad input: the engine's message, no traceback, no output folder",
                 message.startswith("lifecircle 无法完成") and "图层“设施（无类别）”" in message and "category" in message
                 and "Traceback" not in message and "lifecircle-qgis-inputs" not in message and not os.path.exists(bad_out)
                 and not glob.glob(os.path.join(work, ".lifecircle-qgis-*")), message[:160])
    settings.set_binary_path(os.path.join(work, "no-such-lifecircle"))
    message = run_expecting_failure(processing, "lifecircle:plan", {"OSM": os.path.abspath(args.osm), "OUTPUT": os.path.join(work, "never")})
    checks.check("missing engine: the message names the install command", "cargo install --locked --path ." in message and "Traceback" not in message, message[:160])
    settings.set_binary_path(binary)

    # --- Cancel ------------------------------------------------------------------------------------------------
    cancel_out = os.path.join(work, "plugin-cancel")
    os.makedirs(cancel_out)
    with open(os.path.join(cancel_out, "earlier-run.txt"), "w") as f:
        f.write("a file of an earlier run")
    before = sorted(os.listdir(cancel_out))
    parameters = {param: layer.id() for param, layer in layers.items()}
    parameters["OUTPUT"] = cancel_out
    feedback = Feedback(cancel_on="read layer")  # the engine's first progress line
    started = time.monotonic()
    message = run_expecting_failure(processing, "lifecircle:plan", parameters, feedback)
    seconds = time.monotonic() - started
    leftovers = glob.glob(os.path.join(work, ".lifecircle-qgis-*"))
    running = engine_processes(".lifecircle-qgis-plugin-cancel")
    checks.check("Cancel after the first progress line: process gone, output folder as before",
                 feedback.isCanceled() and "已取消" in message and sorted(os.listdir(cancel_out)) == before and not leftovers and not running,
                 f"canceled after {seconds:.1f} s; folder {sorted(os.listdir(cancel_out))}; staging left {leftovers}; processes {running}")
    fresh_out = os.path.join(work, "plugin-cancel-new")
    feedback = Feedback(cancel_on="read layer")
    run_expecting_failure(processing, "lifecircle:plan", dict(parameters, OUTPUT=fresh_out), feedback)
    checks.check("Cancel into a new folder leaves no folder", feedback.isCanceled() and not os.path.exists(fresh_out)
                 and not glob.glob(os.path.join(work, ".lifecircle-qgis-*")), fresh_out)


def run_expecting_failure(processing, algorithm_id, parameters, feedback=None):
    """The message of the QgsProcessingException a run raises ("" when it did not fail)."""
    try:
        processing.run(algorithm_id, parameters, feedback=feedback or Feedback())
    except QgsProcessingException as e:
        return str(e)
    return ""


def style_problems(nodes, gpkg):
    """Problems with the layers of a group: invalid, or not drawn with the style lifecircle stored in the
    GeoPackage; and how many are styled as stored."""
    from check_qgis import actual_from_layer, expected_from_qml, gpkg_style_qml

    problems, styled = [], 0
    for node in nodes:
        layer = node.layer()
        table = layer.source().split("layername=")[-1]
        if not layer.isValid():
            problems.append(f"{table} invalid")
            continue
        qml = gpkg_style_qml(gpkg, table)
        if qml is None:
            if table != "rejects":
                problems.append(f"{table} has no stored style")
            continue
        expected, actual = expected_from_qml(qml), actual_from_layer(layer)
        if expected != actual:
            problems.append(f"{table}: style {actual} != stored {expected}")
        else:
            styled += 1
    return problems, styled


def check_group(checks, group_name, gpkg):
    """The run's group: in the project, sites on top and network at the bottom, every layer valid and
    drawn with lifecircle's stored style."""
    group = project_group(group_name) if group_name else None
    if not checks.check("group of layers added to the project", group is not None, str(group_name)):
        return
    nodes = group.findLayers()
    tables = [n.layer().source().split("layername=")[-1] for n in nodes]
    checks.check("order: sites and bundles on top, network at the bottom",
                 tables[:3] == ["sites", "bundle_sites", "bundles"] and tables[-2:] == ["network", "rejects"], " > ".join(tables))
    problems, styled = style_problems(nodes, gpkg)
    checks.check("every layer valid and styled as stored", not problems, "; ".join(problems) or f"{len(nodes)} layers, {styled} styled by lifecircle")


def check_survey_workbook(checks, processing, layers, work):
    """A survey table saved from Excel (.xlsx, Chinese headers) is read: the plugin converts its first sheet
    to CSV, the engine joins it, and the surveyed built years reach the bundles' estates."""
    from osgeo import gdal, ogr

    ids = [f["estate_id"] for f in layers["ESTATES"].getFeatures()][:3]
    csv_path = os.path.join(work, "survey-source.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write("小区编号,建成年份,同意比例,户数\n")
        for i, estate_id in enumerate(ids):
            f.write(f"{estate_id},{1985 + i},0.8,{300 + i}\n")
        f.write("不存在的小区,1990,0.9,10\n")
    xlsx = os.path.join(work, "摸底调查表.xlsx")
    gdal.VectorTranslate(xlsx, csv_path, format="XLSX", options=["-oo", "AUTODETECT_TYPE=YES"])
    out = os.path.join(work, "plugin-bundles-survey")
    feedback = Feedback()
    processing.run("lifecircle:bundles", {"ESTATES": layers["ESTATES"].id(), "BARRIERS": layers["BARRIERS"].id(), "SURVEY": xlsx,
                                          "OUTPUT": out, "LOAD_LAYERS": False}, feedback=feedback)
    joined = [i for i in feedback.infos if i.startswith("joined survey")]
    ds = ogr.Open(os.path.join(out, "lifecircle.gpkg"))
    years = {f.GetField("estate_id"): f.GetField("built_year") for f in ds.GetLayerByName("estates") if f.GetField("estate_id") in ids}
    ds = None
    checks.check("survey workbook (.xlsx, Chinese headers) converted and joined",
                 joined and "matched=3" in joined[0] and "not_applied=1" in joined[0] and years == {e: 1985 + i for i, e in enumerate(ids)}
                 and any("摸底调查表.xlsx" in i for i in feedback.infos),
                 f"{joined[0] if joined else 'no join logged'}; built years {years}")


def check_thresholds(checks, processing, layers, work):
    """A 5-minute threshold set in the dialog reaches the engine (through a copy of the profile)."""
    from osgeo import ogr

    out = os.path.join(work, "plugin-coverage-200m")
    feedback = Feedback()
    parameters = {p: layers[p].id() for p in ("ESTATES", "FACILITIES", "NETWORK", "GATES")}
    parameters.update({"THRESHOLD_5MIN": 200, "OUTPUT": out, "LOAD_LAYERS": False})
    processing.run("lifecircle:coverage", parameters, feedback=feedback)
    ds = ogr.Open(os.path.join(out, "lifecircle.gpkg"))
    judged = wrong = 0
    for f in ds.GetLayerByName("estates"):
        for key, tier_m in (("health_station", 200.0), ("convenience", 200.0), ("primary_school", 500.0)):
            d = f.GetField(f"dist_{key}")
            if d is None:
                continue
            judged += 1
            wrong += bool(f.GetField(f"ok_{key}")) != (d <= tier_m)
    ds = None
    told = [i for i in feedback.infos if "5min 200 m" in i]
    checks.check("5-minute threshold 200 m applied, 10-minute kept at 500 m", judged > 0 and wrong == 0 and told,
                 f"{judged} verdicts checked, {wrong} wrong")


def check_other_algorithms(checks, processing, osm, work):
    """extract, bundles, sites and coverage on the OSM file: outputs written and their layers added, each
    drawn with the style lifecircle stored in its GeoPackage."""
    for algorithm_id, expected in (("extract", "estates"), ("bundles", "bundles"), ("sites", "sites"), ("coverage", "service_areas")):
        out = os.path.join(work, f"plugin-{algorithm_id}-osm")
        result = processing.run(f"lifecircle:{algorithm_id}", {"OSM": osm, "OUTPUT": out}, feedback=Feedback())
        group = project_group(result.get("GROUP") or "")
        tables = [n.layer().source().split("layername=")[-1] for n in group.findLayers()] if group else []
        problems, styled = style_problems(group.findLayers(), result.get("GEOPACKAGE") or "") if group else (["no group"], 0)
        checks.check(f"lifecircle:{algorithm_id} on the OSM file, its layers styled as stored",
                     not problems and expected in tables and os.path.isfile(result.get("GEOPACKAGE") or ""),
                     "; ".join(problems) or f"{len(tables)} layers, {styled} styled: {', '.join(tables)}")
    # The extract's folder read back (EXTRACT_DIR → --layers): the same distances as from the OSM file, within
    # the 1 cm of the README's round-trip promise (coordinates go through WGS84 and back).
    out = os.path.join(work, "plugin-coverage-extract-dir")
    result = processing.run("lifecircle:coverage", {"EXTRACT_DIR": os.path.join(work, "plugin-extract-osm"), "OUTPUT": out}, feedback=Feedback())
    estates, n, differences = compare_distances(read_estates(os.path.join(work, "plugin-coverage-osm", "lifecircle.gpkg")),
                                                read_estates(result.get("GEOPACKAGE") or ""), tolerance_m=0.01)
    checks.check("lifecircle:coverage on the extract folder = on the OSM file", estates > 0 and n > 0 and not differences,
                 f"{estates} estates, {n} distances; {differences[:3]}")


class UrlCatcher:
    """Stands in for the browser: records the URLs QGIS asks the desktop to open."""

    def __init__(self):
        self.urls = []

    def open(self, url):
        self.urls.append(url.toLocalFile())


URL_CATCHER = UrlCatcher()


def check_open_report(checks, processing, osm, work):
    from qgis.PyQt.QtCore import QObject, pyqtSlot
    from qgis.PyQt.QtGui import QDesktopServices

    class Handler(QObject):
        @pyqtSlot("QUrl")
        def open(self, url):
            URL_CATCHER.open(url)

    handler = Handler()
    QDesktopServices.setUrlHandler("file", handler, "open")
    out = os.path.join(work, "plugin-plan-report")
    try:
        processing.run("lifecircle:plan", {"OSM": osm, "OUTPUT": out, "OPEN_REPORT": True, "LOAD_LAYERS": False, "TITLE": "玄武区 生活圈"}, feedback=Feedback())
    finally:
        QDesktopServices.unsetUrlHandler("file")
    report = os.path.join(out, "report.html")
    with open(report, encoding="utf-8") as f:
        titled = "玄武区 生活圈" in f.read()
    checks.check("report opened in the browser on request, with the title given", URL_CATCHER.urls == [report] and titled, str(URL_CATCHER.urls))


def save_dialog_screenshot(algorithm, parameters, png, checks):
    """The algorithm's dialog as QGIS shows it, with the project's layers chosen, rendered offscreen."""
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.PyQt.QtWidgets import QApplication

    dialog = AlgorithmDialog(algorithm.create(), False, None)
    dialog.setParameters(parameters)
    dialog.resize(1000, 940)
    dialog.show()
    for _ in range(5):
        QApplication.processEvents()
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    ok = dialog.grab().save(png)
    dialog.close()
    checks.check("screenshot of the dialog", ok, png)


def save_result_screenshot(group_name, png, checks):
    """The layer tree with the run's group beside the map drawn from it, rendered offscreen."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsLayerTreeModel, QgsRectangle
    from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsLayerTreeView, QgsMapCanvas
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QApplication, QSplitter

    project = QgsProject.instance()
    root = project.layerTreeRoot()
    group = project_group(group_name)
    for child in root.children():  # only the run's group shown, as a planner would after the run
        child.setItemVisibilityChecked(child is group)
    splitter = QSplitter(Qt.Horizontal)
    view = QgsLayerTreeView()
    model = QgsLayerTreeModel(root)
    model.setFlag(QgsLayerTreeModel.AllowNodeChangeVisibility)
    model.setFlag(QgsLayerTreeModel.ShowLegendAsTree)
    view.setModel(model)
    canvas = QgsMapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    bridge = QgsLayerTreeMapCanvasBridge(root, canvas)
    splitter.addWidget(view)
    splitter.addWidget(canvas)
    splitter.resize(1500, 900)
    splitter.setSizes([420, 1080])
    splitter.show()
    for node in root.children():
        if isinstance(node, QgsLayerTreeGroup):
            node.setExpanded(node is group)
    for node in group.findLayers():  # the long category legends folded, as a planner would
        if node.layer().source().split("layername=")[-1] in ("facilities", "service_lines"):
            node.setExpanded(False)
    estates = next(n.layer() for n in group.findLayers() if n.layer().source().endswith("layername=estates"))
    from qgis.core import QgsCoordinateTransform

    extent = QgsCoordinateTransform(estates.crs(), canvas.mapSettings().destinationCrs(), project).transformBoundingBox(estates.extent())
    extent.scale(1.1)
    canvas.setExtent(QgsRectangle(extent))
    canvas.refreshAllLayers()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if not canvas.isDrawing() and time.monotonic() > deadline - 17:
            break
        time.sleep(0.05)
    for _ in range(10):
        QApplication.processEvents()
    ok = splitter.grab().save(png)
    splitter.close()
    del bridge
    checks.check("screenshot of the result", ok, png)


if __name__ == "__main__":
    main()
