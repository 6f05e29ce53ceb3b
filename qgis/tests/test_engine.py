"""Finding the engine, its version check, and reading what it supports from --help (with stand-in scripts)."""

import os
import stat
import sys
import tempfile
import textwrap
import time
import unittest

from lifecircle import engine
from lifecircle.engine import EngineError


def fake_binary(folder, version="0.1.0", plan_help="Usage: lifecircle plan [OPTIONS]\n      --log-format <F>\n", exit_code=0):
    """A script answering --version and SUBCOMMAND --help as an engine of `version` would."""
    path = os.path.join(folder, engine.EXECUTABLE)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(f"""\
            #!{sys.executable}
            import sys
            if sys.argv[1:] == ["--version"]:
                print("lifecircle {version}")
            elif sys.argv[2:] == ["--help"]:
                print({plan_help!r})
            sys.exit({exit_code})
            """))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


class LocateTest(unittest.TestCase):
    def test_setting_wins_and_a_wrong_setting_is_reported(self):
        with tempfile.TemporaryDirectory() as folder:
            path = fake_binary(folder)
            self.assertEqual(engine.locate(path, path_env=""), path)
            with self.assertRaises(EngineError) as caught:
                engine.locate(os.path.join(folder, "nope"), path_env=folder)
            self.assertEqual(caught.exception.key, "msg.engine_setting_missing")
            self.assertEqual(caught.exception.values["install"], engine.INSTALL_COMMAND)

    def test_path_then_cargo_bin_then_a_message_with_the_install_command(self):
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as home:
            on_path = fake_binary(folder)
            self.assertEqual(engine.locate("", path_env=folder, home=home), on_path)
            os.makedirs(os.path.join(home, ".cargo", "bin"))
            in_cargo = fake_binary(os.path.join(home, ".cargo", "bin"))
            self.assertEqual(engine.locate("", path_env="/nonexistent", home=home), in_cargo)
            os.remove(in_cargo)
            with self.assertRaises(EngineError) as caught:
                engine.locate("", path_env="/nonexistent", home=home)
            self.assertEqual(caught.exception.key, "msg.engine_not_found")


class VersionTest(unittest.TestCase):
    def test_parse_version(self):
        self.assertEqual(engine.parse_version("lifecircle 0.1.0\n"), (0, 1, 0))
        self.assertEqual(engine.parse_version("lifecircle 12.3.45-dev"), (12, 3, 45))
        self.assertIsNone(engine.parse_version("something else 1.2.3"))

    def test_check_accepts_current_and_refuses_old_or_broken_engines(self):
        with tempfile.TemporaryDirectory() as folder:
            self.assertEqual(engine.check(fake_binary(folder, "0.1.0")), (0, 1, 0))
        with tempfile.TemporaryDirectory() as folder:
            with self.assertRaises(EngineError) as caught:
                engine.check(fake_binary(folder, "0.0.9"))
            self.assertEqual((caught.exception.key, caught.exception.values["version"], caught.exception.values["minimum"]),
                             ("msg.engine_too_old", "0.0.9", "0.1.0"))
        with tempfile.TemporaryDirectory() as folder:
            with self.assertRaises(EngineError) as caught:
                engine.check(fake_binary(folder, "0.1.0", exit_code=1))
            self.assertEqual(caught.exception.key, "msg.engine_not_runnable")
        with self.assertRaises(EngineError) as caught:
            engine.check("/nonexistent/lifecircle")
        self.assertEqual(caught.exception.key, "msg.engine_not_runnable")


class SupportsTest(unittest.TestCase):
    def test_help_lists_flag(self):
        text = "Options:\n  -q, --quiet\n      --log-format <LOG_FORMAT>\n      --lang <LANG>\n"
        self.assertTrue(engine.help_lists_flag(text, "--lang"))
        self.assertTrue(engine.help_lists_flag(text, "--quiet"))
        self.assertFalse(engine.help_lists_flag(text, "--log"))
        self.assertFalse(engine.help_lists_flag("      --language-model <M>\n", "--lang"))
        self.assertTrue(engine.help_lists_flag("[--lang <zh|en>]", "--lang"))

    def test_supports_flag_reads_the_subcommands_help_once_per_binary_file(self):
        with tempfile.TemporaryDirectory() as folder:
            old = fake_binary(folder)
            self.assertFalse(engine.supports_flag(old, "plan", "--lang"))
            time.sleep(0.01)
            new = fake_binary(folder, plan_help="Usage: lifecircle plan\n      --lang <LANG>\n          Language [default: zh]\n")
            self.assertEqual(old, new)
            self.assertTrue(engine.supports_flag(new, "plan", "--lang"))  # a new file (size, mtime): asked again
            os.chmod(new, 0o644)  # cannot run any more, but the answer for this file is cached
            self.assertTrue(engine.supports_flag(new, "plan", "--lang"))
            self.assertFalse(engine.supports_flag(new, "coverage", "--lang"))  # another subcommand: asked, fails


if __name__ == "__main__":
    unittest.main()
