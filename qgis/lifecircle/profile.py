"""Life-circle thresholds chosen in the dialog, applied through a copy of the rule profile.

The engine reads every category's walking threshold from the profile (GB 50180-2018: 300 m for the
5-minute, 500 m for the 10-minute, 1,000 m for the 15-minute life circle) and has no flag for it. When a
planner sets a tier's threshold in the dialog, :func:`override_thresholds` rewrites ``threshold_m`` of
every ``[[category]]`` of that tier in a copy of the profile (the planner's ``--profile`` file, else the
embedded default shipped in the plugin), which the run then passes with ``--profile``. Comments and every
other line stay as they are.

Pure Python (no QGIS import): unit-tested without QGIS.
"""

import os
import re

TIERS = ("5min", "10min", "15min")
# The Processing parameter of each tier's threshold.
TIER_PARAMS = {"5min": "THRESHOLD_5MIN", "10min": "THRESHOLD_10MIN", "15min": "THRESHOLD_15MIN"}
# GB 50180-2018 Table 3.0.4 (the embedded profile's values), shown as the dialog's defaults.
STANDARD_THRESHOLDS = {"5min": 300.0, "10min": 500.0, "15min": 1000.0}

_TABLE = re.compile(r"^\s*\[")
_TIER = re.compile(r'^\s*tier\s*=\s*"([^"]*)"')
_THRESHOLD = re.compile(r"^(\s*threshold_m\s*=\s*)([0-9.eE+-]+)(.*)$")


def default_profile_path():
    """The embedded GB 50180-2018 profile: shipped in the plugin's zip (``profiles/``), else the source
    tree's ``data/profiles/`` (the plugin run from a checkout)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "profiles", "gb50180.toml"),
                      os.path.join(here, "..", "..", "data", "profiles", "gb50180.toml")):
        if os.path.isfile(candidate):
            return os.path.normpath(candidate)
    raise FileNotFoundError("gb50180.toml is neither in the plugin's profiles/ folder nor in the source tree's data/profiles/")


def _category_blocks(lines):
    """(start, end) line ranges of the ``[[category]]`` tables."""
    blocks, start = [], None
    for i, line in enumerate(lines):
        if _TABLE.match(line):
            if start is not None:
                blocks.append((start, i))
                start = None
            if line.strip().startswith("[[category]]"):
                start = i
    if start is not None:
        blocks.append((start, len(lines)))
    return blocks


def _tier_of(lines):
    """The ``tier`` a category's lines state, or None."""
    return next((m.group(1) for m in map(_TIER.match, lines) if m), None)


def tier_thresholds(text):
    """{tier: [threshold_m of each category of that tier]} as the profile states them."""
    lines = text.splitlines()
    found = {}
    for start, end in _category_blocks(lines):
        tier = _tier_of(lines[start:end])
        threshold = next((float(m.group(2)) for m in map(_THRESHOLD.match, lines[start:end]) if m), None)
        if tier is not None and threshold is not None:
            found.setdefault(tier, []).append(threshold)
    return found


def override_thresholds(text, thresholds):
    """The profile text with ``threshold_m`` of every category of each tier in ``thresholds`` replaced.

    ``thresholds``: {tier: metres}. Returns (new text, {tier: categories changed}). Raises ValueError for
    a threshold that is not a positive number or a tier no category of the profile has.
    """
    for tier, metres in thresholds.items():
        if not (isinstance(metres, (int, float)) and metres > 0):
            raise ValueError(f"{tier}: the threshold must be a positive number of metres, not {metres!r}")
    lines = text.splitlines(keepends=True)
    changed = {tier: 0 for tier in thresholds}
    for start, end in _category_blocks(lines):
        tier = _tier_of(lines[start:end])
        if tier not in thresholds:
            continue
        for i in range(start, end):
            match = _THRESHOLD.match(lines[i].rstrip("\r\n"))
            if match:
                ending = lines[i][len(lines[i].rstrip("\r\n")):]
                lines[i] = f"{match.group(1)}{float(thresholds[tier])!r}{match.group(3)}{ending}"
                changed[tier] += 1
                break
    missing = [tier for tier, n in changed.items() if n == 0]
    if missing:
        raise ValueError(f"the profile has no category of tier {', '.join(missing)}")
    return "".join(lines), changed
