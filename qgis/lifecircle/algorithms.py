"""The five Processing algorithms (plan, coverage, bundles, sites, extract): one class, configured by the
algorithm's entry in :data:`args.ALGORITHMS`, so every algorithm offers the same inputs and the options
of the stages it runs; and :class:`RerunAlgorithm`, which repeats an earlier run from its JSON
(``lifecircle rerun``: the recorded command, its inputs checked against their recorded SHA-256).

A run: find and check the engine → write the project's layers to a temporary GeoPackage (and a survey
workbook to CSV, and the thresholds into a copy of the profile) → run the engine into a staging folder
beside OUTPUT, its JSON log driving the progress bar and the log → move the outputs into OUTPUT on success,
remove them on failure or Cancel → (main thread) add the GeoPackage's layers as a styled group, open the
report when asked.
"""

import os
import shutil
import tempfile
import time

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputFile,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
)

from . import args, catalogue, engine, log, profile, runner
from .export import SPREADSHEET_EXTENSIONS, ExportError, describe_plan, spreadsheet_to_csv, write_layer
from .layers import LAYER_INPUTS, field_param
from .settings import binary_path

# Options and inputs a planner rarely changes: in the dialog's "Advanced parameters" section.
ADVANCED = frozenset({
    "MAX_SNAP", "SEARCH_RADIUS", "SERVICE_AREAS", "OPEN_GATES", "GAP", "BARRIER_ROADS", "SEED", "SEARCH",
    "NO_DERIVED_LAND", "CRS", "PROFILE", "WALKER_COMPARE",
})
# Layers whose field drop-downs are shown outside "Advanced parameters" (the ones every run needs).
MAIN_FIELD_LAYERS = frozenset({"ESTATES", "FACILITIES"})

_GEOMETRY_TYPES = {
    "point": QgsProcessing.TypeVectorPoint,
    "line": QgsProcessing.TypeVectorLine,
    "polygon": QgsProcessing.TypeVectorPolygon,
}

# Share of the progress bar for writing the project's layers; the engine's run fills the rest.
EXPORT_SHARE = 5.0


def _advanced(parameter):
    parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return parameter


class LifecircleAlgorithm(QgsProcessingAlgorithm):
    """One lifecircle subcommand as a Processing algorithm."""

    OSM = "OSM"
    EXTRACT_DIR = "EXTRACT_DIR"
    SURVEY = "SURVEY"
    PROFILE = "PROFILE"
    CRS = "CRS"
    INPUT_COORDS = "INPUT_COORDS"
    LANGUAGE = "LANGUAGE"
    OUTPUT = "OUTPUT"
    LOAD_LAYERS = "LOAD_LAYERS"
    OPEN_REPORT = "OPEN_REPORT"
    GEOPACKAGE = "GEOPACKAGE"
    REPORT = "REPORT"
    GROUP = "GROUP"

    def __init__(self, algorithm_id, lang):
        super().__init__()
        self.spec = args.ALGORITHM_BY_ID[algorithm_id]
        self.lang = lang
        self._done = None  # what postProcessAlgorithm adds to the project: (gpkg, group name, report, load, open)
        self._aliases = []  # (temporary path in the engine's messages, the name the planner knows)

    # --- identity and help -------------------------------------------------------------------------------
    def tr(self, key, **values):
        return catalogue.text(key, self.lang, **values)

    def name(self):
        return self.spec.id

    def displayName(self):
        return self.tr(f"alg.{self.spec.id}.name")

    def shortHelpString(self):
        return self.tr(f"alg.{self.spec.id}.help")

    def createInstance(self):
        return LifecircleAlgorithm(self.spec.id, self.lang)

    # --- parameters ---------------------------------------------------------------------------------------
    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            self.OSM, self.tr("param.OSM"), behavior=QgsProcessingParameterFile.File,
            fileFilter="OpenStreetMap PBF (*.osm.pbf *.pbf)", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.EXTRACT_DIR, self.tr("param.EXTRACT_DIR"), behavior=QgsProcessingParameterFile.Folder, optional=True))
        for layer in LAYER_INPUTS:
            label = self.tr(f"layer.{layer.param}")
            types = [_GEOMETRY_TYPES[g] for g in layer.geometries]
            self.addParameter(QgsProcessingParameterFeatureSource(layer.param, label, types, optional=True))
            for role in layer.roles:
                field = QgsProcessingParameterField(
                    field_param(layer.param, role.key), self.tr("param.field", layer=label, role=self.tr(f"role.{role.key}")),
                    parentLayerParameterName=layer.param, optional=True)
                self.addParameter(field if layer.param in MAIN_FIELD_LAYERS else _advanced(field))
        self.addParameter(QgsProcessingParameterFile(
            self.SURVEY, self.tr("param.SURVEY"), behavior=QgsProcessingParameterFile.File,
            fileFilter="CSV / Excel (*.csv *.txt *.xlsx *.xls *.ods)", optional=True))
        self.addParameter(_advanced(QgsProcessingParameterFile(
            self.PROFILE, self.tr("param.PROFILE"), behavior=QgsProcessingParameterFile.File,
            fileFilter="TOML (*.toml)", optional=True)))
        if "coverage" in self.spec.groups:
            for tier in profile.TIERS:
                name = profile.TIER_PARAMS[tier]
                threshold = QgsProcessingParameterNumber(name, self.tr(f"param.{name}"), QgsProcessingParameterNumber.Double,
                                                         defaultValue=None, optional=True, minValue=1.0)
                self.addParameter(threshold)
        for option in args.options_of(self.spec):
            parameter = self._option_parameter(option)
            self.addParameter(_advanced(parameter) if option.param in ADVANCED else parameter)
        self.addParameter(_advanced(QgsProcessingParameterCrs(self.CRS, self.tr("param.CRS"), optional=True)))
        self.addParameter(QgsProcessingParameterEnum(
            self.INPUT_COORDS, self.tr("param.INPUT_COORDS"),
            options=[self.tr(f"choice.INPUT_COORDS.{c}") for c in args.INPUT_COORDS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.LANGUAGE, self.tr("param.LANGUAGE"),
            options=[self.tr(f"choice.LANGUAGE.{c}") for c in args.LANGUAGES], defaultValue=args.LANGUAGES.index(self.lang)))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("param.OUTPUT")))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD_LAYERS, self.tr("param.LOAD_LAYERS"), defaultValue=True))
        if self.spec.writes_report:
            self.addParameter(QgsProcessingParameterBoolean(self.OPEN_REPORT, self.tr("param.OPEN_REPORT"), defaultValue=False))
            self.addOutput(QgsProcessingOutputFile(self.REPORT, self.tr("output.REPORT")))
        self.addOutput(QgsProcessingOutputFile(self.GEOPACKAGE, self.tr("output.GEOPACKAGE")))
        self.addOutput(QgsProcessingOutputString(self.GROUP, self.tr("output.GROUP")))

    def _option_parameter(self, option):
        label = self.tr(f"param.{option.param}")
        if option.kind == "bool":
            return QgsProcessingParameterBoolean(option.param, label, defaultValue=bool(option.default))
        if option.kind in ("int", "float"):
            kind = QgsProcessingParameterNumber.Integer if option.kind == "int" else QgsProcessingParameterNumber.Double
            bounds = {}
            if option.minimum is not None:
                bounds["minValue"] = option.minimum
            if option.maximum is not None:
                bounds["maxValue"] = option.maximum
            return QgsProcessingParameterNumber(option.param, label, kind, defaultValue=option.default,
                                                optional=option.default is None, **bounds)
        if option.kind == "enum":
            return QgsProcessingParameterEnum(option.param, label, options=[self.tr(f"choice.{option.param}.{c}") for c in option.choices],
                                              defaultValue=option.choices.index(option.default))
        if option.kind == "enum_multi":
            return QgsProcessingParameterEnum(option.param, label, options=[f"{self.tr('category.' + c)} ({c})" for c in option.choices],
                                              allowMultiple=True, optional=True, defaultValue=None)
        if option.kind == "file":
            return QgsProcessingParameterFile(option.param, label, behavior=QgsProcessingParameterFile.File,
                                              fileFilter="Text (*.txt *.csv)", optional=True)
        if option.kind == "raster":
            return QgsProcessingParameterFile(option.param, label, behavior=QgsProcessingParameterFile.File,
                                              fileFilter="Raster (*.tif *.tiff *.asc *.img *.vrt);;All files (*)", optional=True)
        return QgsProcessingParameterString(option.param, label, optional=True)

    def checkParameterValues(self, parameters, context):
        has_osm = bool(self.parameterAsFile(parameters, self.OSM, context))
        extract_dir = self.parameterAsFile(parameters, self.EXTRACT_DIR, context)
        has_layer = any(parameters.get(layer.param) not in (None, "") for layer in LAYER_INPUTS)
        if not has_osm and not extract_dir and not has_layer:
            return False, self.tr("msg.no_input")
        if extract_dir and not os.path.isdir(extract_dir):
            return False, self.tr("msg.extract_dir_missing", path=extract_dir)
        return super().checkParameterValues(parameters, context)

    # --- values ---------------------------------------------------------------------------------------------
    def _is_unset(self, parameters, name):
        value = parameters.get(name)
        return value is None or (isinstance(value, str) and value.strip() == "")

    def _option_values(self, parameters, context):
        values = {}
        for option in args.options_of(self.spec):
            name = option.param
            if self._is_unset(parameters, name):
                values[name] = None
            elif option.kind == "bool":
                values[name] = self.parameterAsBoolean(parameters, name, context)
            elif option.kind == "int":
                values[name] = self.parameterAsInt(parameters, name, context)
            elif option.kind == "float":
                values[name] = self.parameterAsDouble(parameters, name, context)
            elif option.kind == "enum":
                values[name] = option.choices[self.parameterAsEnum(parameters, name, context)]
            elif option.kind == "enum_multi":
                values[name] = [option.choices[i] for i in self.parameterAsEnums(parameters, name, context)]
            elif option.kind in ("file", "raster"):
                values[name] = self.parameterAsFile(parameters, name, context) or None
            else:
                values[name] = self.parameterAsString(parameters, name, context) or None
        return values

    def _working_crs(self, parameters, context):
        if self._is_unset(parameters, self.CRS):
            return None
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        if not crs.isValid():
            return None
        authid = crs.authid()
        if not authid.upper().startswith("EPSG:") or crs.isGeographic():
            raise QgsProcessingException(self.tr("msg.crs_not_epsg", crs=authid or crs.description()))
        return authid

    # --- the run ----------------------------------------------------------------------------------------------
    def _start(self, feedback):
        """Forget the last run, find and check the engine (raising what to do when it is missing or too
        old) and log which one runs; returns its path."""
        self._done = None
        self._aliases = []  # (text in the engine's messages, what the planner knows it as)
        try:
            binary = engine.locate(binary_path())
            version = engine.check(binary)
        except engine.EngineError as e:
            raise QgsProcessingException(self.tr(e.key, **e.values)) from None
        feedback.pushInfo(self.tr("msg.engine_found", path=binary, version=engine.version_text(version)))
        return binary

    def processAlgorithm(self, parameters, context, feedback):
        binary = self._start(feedback)
        lang = args.LANGUAGES[self.parameterAsEnum(parameters, self.LANGUAGE, context)]
        if not engine.supports_flag(binary, self.spec.subcommand, "--lang"):
            feedback.pushInfo(self.tr("msg.no_lang"))
            lang = None
        out_dir = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not out_dir:
            raise QgsProcessingException(self.tr("param.OUTPUT"))
        out_dir = os.path.abspath(out_dir)
        work = tempfile.mkdtemp(prefix="lifecircle-qgis-inputs-")
        staged = None
        try:
            inputs = self._write_inputs(parameters, context, feedback, work)
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("msg.canceled"))
            values = self._option_values(parameters, context)
            staged = runner.StagedOutput(out_dir)
            self._aliases.append((staged.path, out_dir))
            try:
                argv = args.build_argv(binary, self.spec.id, inputs, values, staged.path, lang)
            except ValueError as e:
                raise QgsProcessingException(str(e)) from None
            shown = args.command_line_text(argv).replace(staged.path, out_dir)
            feedback.pushCommandInfo(self.tr("msg.command", command=shown))
            result = self._run(argv, feedback, self.spec.subcommand)
            if not result.canceled and result.exit_code == 0:
                # Named by the run's provenance: kept beside its outputs, found there by `lifecircle rerun`.
                staged.keep_inputs(work)
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self._commit_or_raise(result, staged, out_dir, feedback)
        gpkg = os.path.join(out_dir, "lifecircle.gpkg")
        group = self.tr("msg.group_name", algorithm=self.displayName(), name=self._run_name(values, out_dir))
        report = os.path.join(out_dir, "report.html") if self.spec.writes_report else None
        load = self.parameterAsBoolean(parameters, self.LOAD_LAYERS, context)
        open_report = self.spec.writes_report and self.parameterAsBoolean(parameters, self.OPEN_REPORT, context)
        self._done = (gpkg, group, report, load, open_report)
        outputs = {self.OUTPUT: out_dir, self.GEOPACKAGE: gpkg if os.path.isfile(gpkg) else None, self.GROUP: group if load else None}
        if self.spec.writes_report:
            outputs[self.REPORT] = report if os.path.isfile(report) else None
        return outputs

    @staticmethod
    def _run_name(values, out_dir):
        """What the project's group is named after: the title, else the output folder's name, else (a
        temporary output folder) the time of the run."""
        if values.get("TITLE"):
            return values["TITLE"]
        temporary = os.path.abspath(QgsProcessingUtils.tempFolder())
        if os.path.commonpath([temporary, out_dir]) == temporary:
            return time.strftime("%H:%M:%S")
        return os.path.basename(out_dir.rstrip(os.sep)) or out_dir

    def _write_inputs(self, parameters, context, feedback, work):
        """Every input as the engine reads it: layers in ``work/inputs.gpkg``, a workbook as CSV, the
        thresholds in a copy of the profile."""
        feedback.setProgressText(self.tr("stage.export"))
        layer_args = {}
        given = [layer for layer in LAYER_INPUTS if not self._is_unset(parameters, layer.param)]
        for n, layer in enumerate(given):
            source = self.parameterAsSource(parameters, layer.param, context)
            label = self.tr(f"layer.{layer.param}")
            if source is None:
                raise QgsProcessingException(self.tr("msg.layer_unreadable", layer=label))
            chosen = {role.key: self.parameterAsString(parameters, field_param(layer.param, role.key), context) for role in layer.roles}
            # One GeoPackage per layer, so that an engine message naming the file names the layer.
            table = layer.param.lower()
            gpkg = os.path.join(work, f"{table}.gpkg")
            try:
                layer_args[layer.flag], count, plan = write_layer(
                    source, layer, chosen, gpkg, table, context.transformContext(), feedback, label, self.lang)
            except ExportError as e:
                raise QgsProcessingException(str(e)) from None
            reference = self.tr("msg.layer_ref", name=source.sourceName() or label)
            self._aliases += [(layer_args[layer.flag], reference), (gpkg, reference)]
            definition = parameters.get(layer.param)
            selected = isinstance(definition, QgsProcessingFeatureSourceDefinition) and definition.selectedFeaturesOnly
            feedback.pushInfo(self.tr("msg.exported", layer=label, count=count, selection=self.tr("msg.selection") if selected else "",
                                      fields=describe_plan(plan, self.lang)))
            feedback.setProgress(EXPORT_SHARE * (n + 1) / max(len(given), 1))
            if feedback.isCanceled():
                break
        survey = self.parameterAsFile(parameters, self.SURVEY, context) or None
        if survey and survey.lower().endswith(SPREADSHEET_EXTENSIONS):
            csv_path = os.path.join(work, "survey.csv")
            try:
                spreadsheet_to_csv(survey, csv_path, self.lang)
            except ExportError as e:
                raise QgsProcessingException(str(e)) from None
            feedback.pushInfo(self.tr("msg.survey_converted", source=survey, csv=csv_path))
            self._aliases.append((csv_path, survey))
            survey = csv_path
        profile_path = self._profile_with_thresholds(parameters, context, feedback, work)
        return args.Inputs(
            osm=self.parameterAsFile(parameters, self.OSM, context) or None,
            extract_dir=self.parameterAsFile(parameters, self.EXTRACT_DIR, context) or None,
            layers=layer_args,
            survey=survey,
            profile=profile_path,
            crs=self._working_crs(parameters, context),
            input_coords=args.INPUT_COORDS[self.parameterAsEnum(parameters, self.INPUT_COORDS, context)],
        )

    def _profile_with_thresholds(self, parameters, context, feedback, work):
        given = self.parameterAsFile(parameters, self.PROFILE, context) or None
        if "coverage" not in self.spec.groups:
            return given
        thresholds = {tier: self.parameterAsDouble(parameters, name, context)
                      for tier, name in profile.TIER_PARAMS.items() if not self._is_unset(parameters, name)}
        if not thresholds:
            return given
        source = given or profile.default_profile_path()
        try:
            with open(source, encoding="utf-8") as f:
                text, _ = profile.override_thresholds(f.read(), thresholds)
        except (OSError, ValueError) as e:
            raise QgsProcessingException(self.tr("msg.profile_problem", path=source, problem=str(e))) from None
        path = os.path.join(work, "profile.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        tiers = ", ".join(f"{tier} {args.format_number(m)} m" for tier, m in thresholds.items())
        feedback.pushInfo(self.tr("msg.thresholds", tiers=tiers, path=path))
        return path

    def _commit_or_raise(self, result, staged, out_dir, feedback):
        """After the engine's run: move the staged outputs into ``out_dir``, or (Cancel, a failure) remove
        them and raise with the engine's message, its temporary paths named as the planner knows them."""
        if result.canceled:
            staged.discard()
            raise QgsProcessingException(self.tr("msg.canceled"))
        if result.exit_code != 0:
            staged.discard()
            message = "\n".join(line[len("error:"):].strip() if line.lower().startswith("error:") else line for line in result.error_lines)
            message = self._readable(message) or self.tr("msg.no_message")
            if result.exit_code == 2:
                raise QgsProcessingException(self.tr("msg.failed_input", message=message))
            raise QgsProcessingException(self.tr("msg.failed_internal", code=result.exit_code, message=message))
        moved = staged.commit()
        feedback.pushInfo(self.tr("msg.written", out=out_dir, files=", ".join(moved)))
        feedback.setProgress(100)

    def _readable(self, text):
        """An engine message with the temporary files named as the planner knows them (the project layer,
        the survey workbook, the output folder)."""
        for temporary, known in self._aliases:
            text = text.replace(temporary, known)
        return text.strip()

    def _run(self, argv, feedback, subcommand):
        """Run the engine, its log driving the progress bar (when ``subcommand`` has milestones) and the log."""
        progress = log.Progress(subcommand) if subcommand in log.MILESTONES else None
        if progress is not None:
            feedback.setProgressText(self.tr(progress.stage))

        def on_line(stream, text):
            if stream == "stdout":
                # The engine's closing summary names the staging folder; show the folder the files go to.
                feedback.pushConsoleInfo(self._readable(text))
                return
            event = log.parse_line(text)
            if not event.message and not event.fields:
                return
            line = self._readable(log.describe(event))
            if event.level == "ERROR":
                feedback.reportError(line, False)
            elif event.level == "WARN" and hasattr(feedback, "pushWarning"):
                feedback.pushWarning(line)
            elif event.level is None:
                feedback.pushConsoleInfo(line)
            else:
                feedback.pushInfo(line)
            if progress is None:
                return
            stage_before = progress.stage
            moved = progress.update(event)
            if moved:
                percent, stage = moved
                feedback.setProgress(EXPORT_SHARE + (100.0 - EXPORT_SHARE) * percent / 100.0)
                if stage != stage_before:
                    feedback.setProgressText(self.tr(stage))

        return runner.run_engine(argv, on_line, feedback.isCanceled)

    # --- main thread: the project ------------------------------------------------------------------------------
    def postProcessAlgorithm(self, context, feedback):
        if not self._done:
            return {}
        from .results import add_group, open_report

        gpkg, group, report, load, open_it = self._done
        if load and os.path.isfile(gpkg) and context.project() is not None:
            added = add_group(context.project(), gpkg, group, self.lang, feedback)
            feedback.pushInfo(self.tr("msg.layers_added", count=len(added), group=group))
        if open_it and report and open_report(report):
            feedback.pushInfo(self.tr("msg.report_opened", path=report))
        return {}


class RerunAlgorithm(LifecircleAlgorithm):
    """``lifecircle rerun``: repeat an earlier run (a plan's summary.json, or coverage.json, bundle.json,
    sites.json, extract.json) into a new output folder. The engine checks every recorded input against its
    size and SHA-256 first (a run made in QGIS finds its exported layers in its ``inputs/`` folder) and
    stops, naming the file, when one changed, unless "run anyway" is ticked."""

    RUN = "RUN"
    FORCE = "FORCE"
    ID = "rerun"

    def __init__(self, lang):
        QgsProcessingAlgorithm.__init__(self)
        self.spec = None
        self.lang = lang
        self._done = None
        self._aliases = []

    def name(self):
        return self.ID

    def displayName(self):
        return self.tr("alg.rerun.name")

    def shortHelpString(self):
        return self.tr("alg.rerun.help")

    def createInstance(self):
        return RerunAlgorithm(self.lang)

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            self.RUN, self.tr("param.RUN"), behavior=QgsProcessingParameterFile.File, fileFilter="JSON (*.json)"))
        self.addParameter(QgsProcessingParameterBoolean(self.FORCE, self.tr("param.FORCE"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("param.OUTPUT")))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD_LAYERS, self.tr("param.LOAD_LAYERS"), defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(self.OPEN_REPORT, self.tr("param.OPEN_REPORT"), defaultValue=False))
        self.addOutput(QgsProcessingOutputFile(self.REPORT, self.tr("output.REPORT")))
        self.addOutput(QgsProcessingOutputFile(self.GEOPACKAGE, self.tr("output.GEOPACKAGE")))
        self.addOutput(QgsProcessingOutputString(self.GROUP, self.tr("output.GROUP")))

    def checkParameterValues(self, parameters, context):
        run_json = self.parameterAsFile(parameters, self.RUN, context)
        if not run_json or not os.path.isfile(run_json):
            return False, self.tr("msg.run_missing", path=run_json or "")
        return QgsProcessingAlgorithm.checkParameterValues(self, parameters, context)

    def processAlgorithm(self, parameters, context, feedback):
        binary = self._start(feedback)
        if not engine.supports_subcommand(binary, "rerun"):
            raise QgsProcessingException(self.tr("msg.no_rerun"))
        run_json = self.parameterAsFile(parameters, self.RUN, context)
        out_dir = os.path.abspath(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        subcommand = args.recorded_subcommand(run_json)
        staged = runner.StagedOutput(out_dir)
        self._aliases.append((staged.path, out_dir))
        try:
            argv = args.rerun_argv(binary, run_json, staged.path, self.parameterAsBoolean(parameters, self.FORCE, context))
            feedback.pushCommandInfo(self.tr("msg.command", command=args.command_line_text(argv).replace(staged.path, out_dir)))
            result = self._run(argv, feedback, subcommand)
        except BaseException:
            staged.discard()
            raise
        self._commit_or_raise(result, staged, out_dir, feedback)
        gpkg = os.path.join(out_dir, "lifecircle.gpkg")
        report = os.path.join(out_dir, "report.html")
        group = self.tr("msg.group_name", algorithm=self.displayName(), name=os.path.basename(out_dir.rstrip(os.sep)) or out_dir)
        load = self.parameterAsBoolean(parameters, self.LOAD_LAYERS, context)
        open_report = os.path.isfile(report) and self.parameterAsBoolean(parameters, self.OPEN_REPORT, context)
        self._done = (gpkg, group, report, load, open_report)
        return {
            self.OUTPUT: out_dir,
            self.GEOPACKAGE: gpkg if os.path.isfile(gpkg) else None,
            self.REPORT: report if os.path.isfile(report) else None,
            self.GROUP: group if load else None,
        }
