"""The lifecircle binary the plugin runs: where it is, whether it is recent enough, what it supports.

- :func:`locate`: the path from the plugin's settings, else ``lifecircle`` on PATH, else Cargo's install
  folder (``~/.cargo/bin``, which a QGIS started from the desktop often lacks on its PATH);
- :func:`check`: runs ``lifecircle --version`` and compares with :data:`MINIMUM_VERSION`;
- :func:`supports_flag`: whether a subcommand's ``--help`` lists a flag (``--lang`` is newer than some
  engines), cached per binary file (path, size, modification time) and subcommand.

Failures raise :class:`EngineError` with a catalogue key and values, so the caller shows the message in
the planner's language. Pure Python (no QGIS import): unit-tested without QGIS.
"""

import os
import re
import shutil
import subprocess

# The oldest engine whose command line (JSON log, layer flags, `--format gpkg`) this plugin speaks.
MINIMUM_VERSION = (0, 1, 0)

# How a planner installs the engine from its source folder (shown when it is missing or too old).
INSTALL_COMMAND = "cargo install --locked --path ."

EXECUTABLE = "lifecircle.exe" if os.name == "nt" else "lifecircle"


class EngineError(Exception):
    """The engine cannot be used: ``key`` names the catalogue message, ``values`` fill it in."""

    def __init__(self, key, **values):
        super().__init__(key, values)
        self.key = key
        self.values = values


def _hidden_window():
    """Keyword arguments that keep a console window from flashing up on Windows."""
    if os.name == "nt":
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    return {}


def locate(configured, path_env=None, home=None):
    """The engine's path: ``configured`` (the plugin setting) when given, else PATH, else ~/.cargo/bin.

    Raises EngineError("msg.engine_not_found" / "msg.engine_setting_missing") when there is none.
    """
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise EngineError("msg.engine_setting_missing", path=configured, install=INSTALL_COMMAND)
    found = shutil.which(EXECUTABLE, path=path_env)
    if found:
        return found
    cargo = os.path.join(home or os.path.expanduser("~"), ".cargo", "bin", EXECUTABLE)
    if os.path.isfile(cargo) and os.access(cargo, os.X_OK):
        return cargo
    raise EngineError("msg.engine_not_found", install=INSTALL_COMMAND)


def parse_version(text):
    """(major, minor, patch) from `lifecircle --version` output such as ``lifecircle 0.1.0``; None if absent."""
    match = re.search(r"\blifecircle\s+v?(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(g) for g in match.groups()) if match else None


def version_text(version):
    return ".".join(str(v) for v in version)


def check(binary, timeout=30):
    """Run ``binary --version``; return its version, or raise EngineError when it does not run or is too old."""
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=timeout, **_hidden_window())
    except (OSError, subprocess.SubprocessError) as e:
        raise EngineError("msg.engine_not_runnable", path=binary, error=str(e), install=INSTALL_COMMAND) from e
    version = parse_version(done.stdout + done.stderr)
    if done.returncode != 0 or version is None:
        output = (done.stdout + done.stderr).strip()
        raise EngineError("msg.engine_not_runnable", path=binary, error=output or f"exit code {done.returncode}", install=INSTALL_COMMAND)
    if version < MINIMUM_VERSION:
        raise EngineError("msg.engine_too_old", path=binary, version=version_text(version), minimum=version_text(MINIMUM_VERSION), install=INSTALL_COMMAND)
    return version


def help_lists_flag(help_text, flag):
    """Whether a `--help` text lists ``flag`` as an option (``--lang`` but not ``--language-model``)."""
    return re.search(r"(^|[\s,\[])" + re.escape(flag) + r"(?![\w-])", help_text, re.MULTILINE) is not None


_help_cache = {}


def subcommand_help(binary, subcommand, timeout=30):
    """The text of ``binary SUBCOMMAND --help``, cached per binary file (path, size, mtime) and subcommand."""
    try:
        stat = os.stat(binary)
        key = (os.path.abspath(binary), stat.st_size, stat.st_mtime_ns, subcommand)
    except OSError:
        key = None
    if key is not None and key in _help_cache:
        return _help_cache[key]
    try:
        done = subprocess.run([binary, subcommand, "--help"], capture_output=True, text=True, timeout=timeout, **_hidden_window())
        text = done.stdout + done.stderr if done.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        text = ""
    if key is not None:
        _help_cache[key] = text
    return text


def supports_flag(binary, subcommand, flag):
    """Whether the engine's SUBCOMMAND accepts ``flag`` (read from its --help, cached)."""
    return help_lists_flag(subcommand_help(binary, subcommand), flag)


def supports_subcommand(binary, subcommand):
    """Whether the engine has SUBCOMMAND (its --help succeeds; an older engine without it fails)."""
    return subcommand_help(binary, subcommand) != ""
