"""The engine's log (``--log-format json``) read line by line: what each line says, and how far the run is.

With ``--log-format json`` the engine writes one JSON object per line on standard error::

    {"timestamp":"...","level":"INFO","fields":{"message":"stage done","stage":"coverage","seconds":1.2}}

and, when it fails, a last plain-text line ``error: <what is wrong and what to do>``.

- :func:`parse_line` turns a line into a :class:`LogEvent` (any other text becomes an event with no level,
  an ``error:`` line one with level ERROR);
- :func:`describe` renders an event for the Processing log (``message: key=value, ...``);
- :class:`Progress` maps the milestones of each subcommand (``read layer``, ``walking network built``,
  ``stage done`` of each plan stage ...) to a percentage that only grows, and names the stage now running
  (a catalogue key ``stage.*``). Lines it does not know leave the progress where it is.

Pure Python (no QGIS import): unit-tested without QGIS.
"""

import json
from collections import namedtuple

# level: "ERROR", "WARN", "INFO", "DEBUG", "TRACE" or None (a line that is not the engine's log);
# message: the text; fields: the other structured fields (dict); raw: the line as read.
LogEvent = namedtuple("LogEvent", "level message fields raw")


def parse_line(line):
    """The event a line of the engine's standard error holds."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
        if isinstance(record, dict):
            fields = dict(record.get("fields") or {})
            message = str(fields.pop("message", "")) if fields.get("message") is not None else ""
            for key, value in record.items():  # spans and other top-level keys, kept for the log
                if key not in ("fields", "timestamp", "level", "target", "threadId", "threadName"):
                    fields.setdefault(key, value)
            level = str(record.get("level", "")).upper() or None
            return LogEvent(level, message, fields, text)
    if stripped.lower().startswith("error:"):
        return LogEvent("ERROR", stripped[len("error:"):].strip(), {}, text)
    return LogEvent(None, stripped, {}, text)


def _value_text(value):
    if isinstance(value, float):
        return f"{value:.2f}" if not value.is_integer() else str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def describe(event):
    """One line for the Processing log: the message and its fields (``coverage computed: estates=93, ...``)."""
    if not event.fields:
        return event.message
    details = ", ".join(f"{k}={_value_text(v)}" for k, v in event.fields.items())
    return f"{event.message}: {details}" if event.message else details


# A milestone: the log message, the fields it must carry (e.g. the stage that finished), the percentage
# reached once it is logged, and the catalogue key of the stage that runs next.
Milestone = namedtuple("Milestone", "message fields percent next_stage")


def _m(message, percent, next_stage, **fields):
    return Milestone(message, fields, percent, next_stage)


_READ = (_m("read OpenStreetMap", 10, "stage.read_inputs"), _m("read layer", 14, "stage.read_inputs"), _m("joined survey", 16, "stage.read_inputs"))

MILESTONES = {
    "plan": _READ + (
        _m("stage done", 20, "stage.coverage", stage="read inputs"),
        _m("walking network built", 30, "stage.coverage"),
        _m("coverage computed", 50, "stage.coverage"),
        _m("stage done", 55, "stage.bundles", stage="coverage"),
        _m("stage done", 62, "stage.sites", stage="bundles"),
        _m("stage done", 78, "stage.layers", stage="sites"),
        _m("stage done", 82, "stage.writing", stage="layers"),
        _m("stage done", 88, "stage.writing", stage="network layers written"),
        _m("stage done", 98, "stage.finishing", stage="GeoPackage, GeoJSON, report and map"),
        _m("plan written", 100, "stage.done"),
    ),
    "coverage": _READ + (
        _m("walking network built", 40, "stage.coverage"),
        _m("coverage computed", 80, "stage.writing"),
    ),
    "bundle": _READ + (_m("bundled", 80, "stage.writing"),),
    "sites": _READ + (
        _m("walking network built", 25, "stage.coverage"),
        _m("coverage computed", 45, "stage.sites"),
        _m("sites chosen", 85, "stage.writing"),
    ),
    "extract": _READ + (_m("extract written", 100, "stage.done"),),
}

FIRST_STAGE = "stage.read_inputs"


class Progress:
    """How far one run of a subcommand is, from the milestones logged so far."""

    def __init__(self, subcommand):
        if subcommand not in MILESTONES:
            raise ValueError(f"no progress milestones for subcommand `{subcommand}`")
        self.milestones = MILESTONES[subcommand]
        self.percent = 0
        self.stage = FIRST_STAGE

    def update(self, event):
        """Take one event; return (percent, stage key) when it moved the run on, else None."""
        if event.level is None:
            return None
        for milestone in self.milestones:
            if event.message != milestone.message:
                continue
            if any(str(event.fields.get(k)) != v for k, v in milestone.fields.items()):
                continue
            if milestone.percent < self.percent or (milestone.percent == self.percent and milestone.next_stage == self.stage):
                return None
            self.percent = max(self.percent, milestone.percent)
            self.stage = milestone.next_stage
            return self.percent, self.stage
        return None
