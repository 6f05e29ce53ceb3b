"""The engine's command line as the plugin builds it: which Processing algorithm runs which subcommand,
the options each offers (with the CLI's flag and default), and the argument list for one run.

Only options that differ from the CLI's default are passed, so the command line logged for a run is the
one a planner would type. Pure Python (no QGIS import): unit-tested without QGIS.
"""

import os
import shlex
import subprocess
from collections import namedtuple

from .layers import LAYER_INPUTS

# A Processing algorithm: its id, the engine subcommand, the option groups it offers, whether the
# subcommand takes `--format gpkg` (plan always writes its GeoPackage and has no such flag), and whether
# it writes report.html.
Algorithm = namedtuple("Algorithm", "id subcommand groups takes_format writes_report")

ALGORITHMS = (
    Algorithm("plan", "plan", ("coverage", "bundle", "siting", "plan"), False, True),
    Algorithm("coverage", "coverage", ("coverage",), True, False),
    Algorithm("bundles", "bundle", ("bundle",), True, False),
    Algorithm("sites", "sites", ("coverage", "siting"), True, False),
    Algorithm("extract", "extract", (), True, False),
)
ALGORITHM_BY_ID = {a.id: a for a in ALGORITHMS}

# The facility categories of the embedded GB 50180-2018 profile (data/profiles/gb50180.toml), in its
# order; a unit test checks this list against the profile file.
CATEGORY_KEYS = (
    "kindergarten", "nursery", "elderly_care", "health_station", "community_service", "fitness", "convenience",
    "primary_school", "vegetable_market", "park", "sports", "middle_school", "health_center", "culture", "bus_stop",
)

# An option: Processing parameter name, CLI flag, kind ("bool", "int", "float", "enum", "enum_multi",
# "string", "file", "raster"), the CLI default (None: the flag is absent by default), choices for enums, group,
# and bounds for numbers.
Option = namedtuple("Option", "param flag kind default choices group minimum maximum")


def _option(param, flag, kind, default=None, choices=(), group="", minimum=None, maximum=None):
    return Option(param, flag, kind, default, tuple(choices), group, minimum, maximum)


OPTIONS = (
    # coverage, sites, plan
    _option("ACCESS", "--access", "enum", "gates", ("gates", "boundary", "centroid"), "coverage"),
    _option("MAX_SNAP", "--max-snap", "float", None, group="coverage", minimum=0.0),
    _option("SEARCH_RADIUS", "--search-radius", "float", None, group="coverage", minimum=0.0),
    _option("SERVICE_AREAS", "--service-areas", "enum", "auto", ("auto", "none", "lines", "polygons"), "coverage"),
    _option("OPEN_COMPOUNDS", "--open-compounds", "bool", False, group="coverage"),
    _option("OPEN_GATES", "--open-gates", "file", None, group="coverage"),
    _option("DEM", "--dem", "raster", None, group="coverage"),
    _option("WALKER", "--walker", "enum", "adult", ("adult", "elderly", "wheelchair"), "coverage"),
    _option("WALKER_COMPARE", "--walker-compare", "bool", False, group="coverage"),
    # bundles, plan
    _option("BUILT_BEFORE", "--built-before", "int", 2001, group="bundle", minimum=1800, maximum=2100),
    _option("CONSENT", "--consent", "float", 0.667, group="bundle", minimum=0.0, maximum=1.0),
    _option("ZHIFU_CONSENT", "--zhifu-consent", "bool", False, group="bundle"),
    _option("GAP", "--gap", "float", 30.0, group="bundle", minimum=0.0),
    _option("BARRIER_ROADS", "--barrier-roads", "enum", "primary", ("motorway", "trunk", "primary", "secondary", "tertiary"), "bundle"),
    _option("MIN_POP", "--min-pop", "float", 5000.0, group="bundle", minimum=0.0),
    _option("MAX_POP", "--max-pop", "float", 12000.0, group="bundle", minimum=0.0),
    _option("SEED", "--seed", "int", 1, group="bundle", minimum=0),
    _option("EXCLUDE_NEEDS_SURVEY", "--exclude-needs-survey", "bool", False, group="bundle"),
    # sites, plan
    _option("CATEGORIES", "--categories", "enum_multi", None, CATEGORY_KEYS, "siting"),
    _option("K", "-k", "int", 3, group="siting", minimum=0),
    _option("SEARCH", "--search", "float", 300.0, group="siting", minimum=0.0),
    _option("NO_DERIVED_LAND", "--no-derived-land", "bool", False, group="siting"),
    # plan
    _option("TITLE", "--title", "string", None, group="plan"),
)
OPTION_BY_PARAM = {o.param: o for o in OPTIONS}

INPUT_COORDS = ("wgs84", "gcj02", "bd09")
LANGUAGES = ("zh", "en")


def options_of(algorithm):
    """The options an algorithm offers, in dialog order."""
    return [o for o in OPTIONS if o.group in algorithm.groups]


def format_number(value):
    """A number as the CLI reads it: `30` for 30.0, `0.667`, `5000`."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def option_arguments(option, value):
    """The arguments one option adds: [] when the value is unset or the CLI's default."""
    if value is None or value == "" or value == []:
        return []
    if option.kind == "bool":
        return [option.flag] if value and not option.default else []
    if option.kind == "enum_multi":
        unknown = [v for v in value if v not in option.choices]
        if unknown:
            raise ValueError(f"{option.param}: unknown choice(s) {', '.join(unknown)}")
        return [option.flag, ",".join(value)]
    if option.kind == "enum":
        if value not in option.choices:
            raise ValueError(f"{option.param}: `{value}` is not one of {', '.join(option.choices)}")
        return [] if value == option.default else [option.flag, value]
    if option.kind in ("int", "float"):
        if option.default is not None and float(value) == float(option.default):
            return []
        return [option.flag, format_number(value)]
    return [option.flag, str(value)]


# What the engine reads, resolved to files: `layers` maps a CLI flag (`--estates`) to `FILE|layername=NAME`;
# `extract_dir` is a folder (or .gpkg) that `lifecircle extract` wrote, read back with `--layers` (the
# layer flags replace its layers of their kind).
Inputs = namedtuple("Inputs", "osm layers survey profile crs input_coords extract_dir", defaults=(None,))


def input_arguments(inputs):
    """The input flags of a run, in the CLI's order (`--osm`, `--layers`, layers, survey, profile, CRS,
    coordinates)."""
    argv = []
    if inputs.osm:
        argv += ["--osm", inputs.osm]
    if inputs.extract_dir:
        argv += ["--layers", inputs.extract_dir]
    for layer in LAYER_INPUTS:
        path = inputs.layers.get(layer.flag)
        if path:
            argv += [layer.flag, path]
    unknown = set(inputs.layers) - {layer.flag for layer in LAYER_INPUTS}
    if unknown:
        raise ValueError(f"unknown layer flag(s): {', '.join(sorted(unknown))}")
    if inputs.survey:
        argv += ["--survey", inputs.survey]
    if inputs.profile:
        argv += ["--profile", inputs.profile]
    if inputs.crs:
        argv += ["--crs", inputs.crs]
    coords = inputs.input_coords or "wgs84"
    if coords not in INPUT_COORDS:
        raise ValueError(f"input coordinates `{coords}` are not one of {', '.join(INPUT_COORDS)}")
    if coords != "wgs84":
        argv += ["--input-coords", coords]
    return argv


def build_argv(binary, algorithm_id, inputs, values, out_dir, lang=None):
    """The full argument list of one run: JSON log, the subcommand, inputs, options, output.

    ``values`` maps option parameter names to their values (enums as their choice strings, multiple
    enums as lists); options of other algorithms are ignored. ``lang`` is given only when the engine
    supports ``--lang`` (see :mod:`engine`).
    """
    algorithm = ALGORITHM_BY_ID[algorithm_id]
    if not inputs.osm and not inputs.extract_dir and not any(inputs.layers.values()):
        raise ValueError("no input: give an OpenStreetMap file, an extract folder or at least one layer")
    argv = [binary, "--log-format", "json", algorithm.subcommand]
    argv += input_arguments(inputs)
    for option in options_of(algorithm):
        argv += option_arguments(option, values.get(option.param))
    argv += ["--out", out_dir]
    if algorithm.takes_format:
        argv += ["--format", "gpkg"]
    if lang is not None:
        if lang not in LANGUAGES:
            raise ValueError(f"language `{lang}` is not one of {', '.join(LANGUAGES)}")
        argv += ["--lang", lang]
    return argv


# The subcommands a run's JSON can record (`lifecircle rerun` repeats any of them).
RUN_SUBCOMMANDS = ("plan", "coverage", "bundle", "sites", "extract", "batch")


def rerun_argv(binary, run_json, out_dir, force=False):
    """The argument list that repeats an earlier run (its ``summary.json``, ``coverage.json`` ...) into
    ``out_dir``, with the JSON log; ``force`` runs even when an input changed since."""
    argv = [binary, "--log-format", "json", "rerun", os.path.abspath(run_json), "--out", out_dir]
    if force:
        argv.append("--force")
    return argv


def recorded_subcommand(run_json):
    """The subcommand an earlier run's JSON records in its provenance (``plan`` for a summary.json), or
    None when the file cannot be read as one (the engine then says why)."""
    import json

    try:
        with open(run_json, encoding="utf-8") as f:
            command = json.load(f)["provenance"]["command_line"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    words = command if isinstance(command, list) else shlex.split(str(command))
    return next((w for w in words[1:] if w in RUN_SUBCOMMANDS), None)


def command_line_text(argv):
    """The argument list as one command a planner can paste into a terminal (this system's quoting)."""
    if os.name == "nt":
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)
