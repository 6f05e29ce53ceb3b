"""One engine run as a subprocess: its log lines handed on as they come, Cancel honoured, and outputs that
reach the output folder only when the run succeeded.

- :class:`StagedOutput`: the engine writes into a fresh hidden folder beside the output folder (same file
  system); :meth:`StagedOutput.commit` moves each file into the output folder only after a successful run,
  :meth:`StagedOutput.discard` removes the whole stage after a failure or Cancel, so the output folder
  never holds a partial file;
- :meth:`StagedOutput.keep_inputs`: the inputs the plugin exported for the run (the planner's layers, a
  survey workbook as CSV, a profile with changed thresholds) become the run's ``inputs/`` folder, so the
  run's provenance can be checked and ``lifecircle rerun`` finds them once the temporary folder is gone;
- :func:`run_engine`: starts the engine in its own process group, reads standard error (the JSON log and
  the final ``error: ...`` line) and standard output line by line on reader threads, calls ``on_line`` in
  the caller's thread, and when ``is_canceled()`` turns true terminates the whole group (SIGTERM, then
  SIGKILL after a grace period; TerminateProcess on Windows).

Pure Python (no QGIS import): unit-tested without QGIS, with a stand-in engine script.
"""

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import namedtuple

# exit_code: the engine's (None when it was killed by Cancel); canceled: Cancel ended it; error_lines:
# the plain-text lines of standard error (the engine's `error: ...` message), in order.
RunResult = namedtuple("RunResult", "exit_code canceled error_lines")

# The engine's own staging folders (`.lifecircle-staging-<pid>`), never moved into the output folder.
ENGINE_STAGING_PREFIX = ".lifecircle-staging-"
STAGE_PREFIX = ".lifecircle-qgis-"
# Moved last: the engine writes it last too, so its presence means the run's files are all there.
LAST_FILE = "summary.json"


class StagedOutput:
    """A fresh hidden folder beside ``out_dir`` for one run, committed into ``out_dir`` or discarded."""

    def __init__(self, out_dir):
        self.out_dir = os.path.abspath(out_dir)
        parent = os.path.dirname(self.out_dir)
        self._created_parents = []
        missing = parent
        while missing and not os.path.isdir(missing):
            self._created_parents.append(missing)
            missing = os.path.dirname(missing)
        os.makedirs(parent, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix=STAGE_PREFIX + os.path.basename(self.out_dir) + "-", dir=parent)

    def entries(self):
        """The files and folders the run wrote, in the order they are moved (summary.json last)."""
        names = [n for n in os.listdir(self.path) if not n.startswith(ENGINE_STAGING_PREFIX)]
        return sorted(names, key=lambda n: (n == LAST_FILE, n))

    # The folder the exported inputs are kept in, inside the output folder (``lifecircle rerun`` looks there).
    INPUTS = "inputs"

    def keep_inputs(self, work):
        """Move the exported inputs in ``work`` into the stage as ``inputs/`` (committed with the outputs);
        nothing when ``work`` holds no file (an OSM file alone is read where it is)."""
        if os.path.isdir(work) and os.listdir(work):
            shutil.move(work, os.path.join(self.path, self.INPUTS))

    def commit(self):
        """Move every entry into the output folder (replacing what an earlier run left under the same
        name), remove the stage, and return the moved names."""
        os.makedirs(self.out_dir, exist_ok=True)
        moved = []
        for name in self.entries():
            source = os.path.join(self.path, name)
            target = os.path.join(self.out_dir, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.isdir(source) and os.path.lexists(target):
                os.remove(target)
            os.replace(source, target)
            moved.append(name)
        shutil.rmtree(self.path, ignore_errors=True)
        return moved

    def discard(self):
        """Remove the stage and any parent folder it had to create."""
        shutil.rmtree(self.path, ignore_errors=True)
        for folder in self._created_parents:
            try:
                os.rmdir(folder)
            except OSError:
                break


def _read_lines(stream, name, lines):
    for raw in iter(stream.readline, b""):
        lines.put((name, raw.decode("utf-8", errors="replace").rstrip("\r\n")))
    stream.close()
    lines.put((name, None))


def _start(argv, env):
    kwargs = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "env": env}
    if os.name == "nt":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | getattr(subprocess, "CREATE_NO_WINDOW", 0)
    else:
        kwargs["start_new_session"] = True  # its own process group, killed as one
    return subprocess.Popen(argv, **kwargs)


def _terminate(process, grace_seconds):
    """End the process and its group: SIGTERM, then SIGKILL if it is still there after the grace period."""
    if os.name == "nt":
        process.kill()
        process.wait()
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=grace_seconds)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()


def run_engine(argv, on_line, is_canceled, env=None, poll_seconds=0.1, grace_seconds=3.0):
    """Run the engine; call ``on_line(stream, text)`` for each line ("stderr" or "stdout") as it comes.

    Returns a :class:`RunResult`. ``is_canceled`` is polled every ``poll_seconds``; once true the process
    group is terminated and the result says ``canceled`` (lines still buffered are handed on first).
    """
    process = _start(argv, env)
    lines = queue.Queue()
    readers = [threading.Thread(target=_read_lines, args=(stream, name, lines), daemon=True)
               for stream, name in ((process.stderr, "stderr"), (process.stdout, "stdout"))]
    for reader in readers:
        reader.start()
    open_streams = 2
    error_lines = []
    canceled = False
    while open_streams:
        if not canceled and is_canceled():
            canceled = True
            _terminate(process, grace_seconds)
        try:
            stream, text = lines.get(timeout=poll_seconds)
        except queue.Empty:
            continue
        if text is None:
            open_streams -= 1
            continue
        if stream == "stderr" and not text.lstrip().startswith("{") and text.strip():
            error_lines.append(text)
        on_line(stream, text)
    # The streams closed: the process is ending (or a child of it kept them open until now).
    while process.poll() is None:
        if not canceled and is_canceled():
            canceled = True
            _terminate(process, grace_seconds)
            break
        time.sleep(poll_seconds)
    exit_code = process.wait()
    for reader in readers:
        reader.join()
    return RunResult(None if canceled else exit_code, canceled, error_lines)
