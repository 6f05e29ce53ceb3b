"""Running the engine: lines as they come, exit codes, Cancel killing the process group, staged outputs."""

import os
import sys
import tempfile
import time
import unittest

from lifecircle import runner
from lifecircle.runner import StagedOutput, run_engine

from .paths import TESTS

FAKE = os.path.join(TESTS, "fake_engine.py")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its new parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class RunTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.folder.name, "results", "plan")

    def tearDown(self):
        self.folder.cleanup()

    def run_fake(self, mode, cancel_after_lines=None):
        staged = StagedOutput(self.out)
        lines = []

        def is_canceled():
            return cancel_after_lines is not None and len(lines) >= cancel_after_lines

        result = run_engine([sys.executable, FAKE, mode, "--out", staged.path], lambda s, t: lines.append((s, t)), is_canceled,
                            grace_seconds=1.0)
        return staged, lines, result

    def test_success_hands_on_every_line_and_commit_moves_the_files_with_summary_last(self):
        staged, lines, result = self.run_fake("ok")
        self.assertEqual((result.exit_code, result.canceled, result.error_lines), (0, False, []))
        self.assertEqual([s for s, _ in lines].count("stderr"), 3)
        self.assertIn(("stdout", f"Plan written to {staged.path}:"), lines)
        self.assertFalse(os.path.exists(self.out))  # nothing in the output folder before the commit
        self.assertEqual(staged.entries(), ["geojson", "lifecircle.gpkg", "summary.json"])
        os.makedirs(os.path.join(self.out, "geojson"))
        with open(os.path.join(self.out, "geojson", "old.geojson"), "w") as f:
            f.write("old")
        moved = staged.commit()
        self.assertEqual(moved, ["geojson", "lifecircle.gpkg", "summary.json"])
        self.assertEqual(sorted(os.listdir(self.out)), ["geojson", "lifecircle.gpkg", "summary.json"])
        self.assertEqual(os.listdir(os.path.join(self.out, "geojson")), ["estates.geojson"])  # the old run's folder replaced
        self.assertFalse(os.path.exists(staged.path))
        self.assertEqual([n for n in os.listdir(os.path.dirname(self.out)) if n.startswith(runner.STAGE_PREFIX)], [])

    def test_the_exported_inputs_are_kept_as_the_runs_inputs_folder(self):
        # An earlier run's inputs are replaced; a run from an OSM file alone (nothing exported) adds none.
        os.makedirs(os.path.join(self.out, "inputs"))
        with open(os.path.join(self.out, "inputs", "old.gpkg"), "w") as f:
            f.write("an earlier run's layer")
        work = tempfile.mkdtemp(prefix="lifecircle-qgis-inputs-")
        with open(os.path.join(work, "estates.gpkg"), "w") as f:
            f.write("exported layer")
        staged, lines, result = self.run_fake("ok")
        self.assertEqual(result.exit_code, 0)
        staged.keep_inputs(work)
        self.assertFalse(os.path.exists(work))
        self.assertIn("inputs", staged.commit())
        self.assertEqual(os.listdir(os.path.join(self.out, "inputs")), ["estates.gpkg"])
        with open(os.path.join(self.out, "inputs", "estates.gpkg")) as f:
            self.assertEqual(f.read(), "exported layer")
        empty = tempfile.mkdtemp(prefix="lifecircle-qgis-inputs-")
        staged, lines, result = self.run_fake("ok")
        staged.keep_inputs(empty)
        self.assertNotIn("inputs", staged.commit())
        os.rmdir(empty)

    def test_bad_input_gives_exit_2_and_the_engines_message(self):
        staged, lines, result = self.run_fake("bad-input")
        self.assertEqual(result.exit_code, 2)
        self.assertEqual(result.error_lines, ["error: estates.gpkg: the file does not exist", "  hint: check the path"])
        staged.discard()
        self.assertFalse(os.path.exists(staged.path))
        self.assertFalse(os.path.exists(os.path.dirname(self.out)))  # the parent it created is gone too

    def test_cancel_kills_the_process_group_and_discard_leaves_nothing(self):
        os.makedirs(self.out)
        with open(os.path.join(self.out, "earlier.txt"), "w") as f:
            f.write("an earlier run's file")
        started = time.monotonic()
        staged, lines, result = self.run_fake("slow", cancel_after_lines=1)
        elapsed = time.monotonic() - started
        self.assertTrue(result.canceled)
        self.assertIsNone(result.exit_code)
        self.assertLess(elapsed, 10.0)
        with open(os.path.join(staged.path, "child.pid")) as f:
            child = int(f.read())
        deadline = time.monotonic() + 5
        while pid_alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(pid_alive(child), "the engine's child process survived Cancel")
        self.assertTrue(os.path.exists(os.path.join(staged.path, "partial.gpkg")))
        staged.discard()
        self.assertEqual(os.listdir(self.out), ["earlier.txt"])
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.out))), ["plan"])


if __name__ == "__main__":
    unittest.main()
