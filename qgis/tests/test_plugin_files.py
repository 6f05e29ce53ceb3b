"""The plugin's files: pure modules import without QGIS, metadata.txt is complete and has the crate's version."""

import configparser
import os
import re
import subprocess
import sys
import unittest

from .paths import CARGO_TOML, PLUGIN

PURE_MODULES = ["args", "catalogue", "engine", "layers", "log", "outputs", "profile", "runner"]


def cargo_package():
    import tomllib

    with open(CARGO_TOML, "rb") as f:
        return tomllib.load(f)["package"]


def metadata():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(PLUGIN, "metadata.txt"), encoding="utf-8")
    return parser["general"]


class PurityTest(unittest.TestCase):
    def test_pure_modules_import_with_qgis_and_gdal_unavailable(self):
        blocked = "import sys\nfor m in ('qgis', 'osgeo', 'processing', 'PyQt5'):\n    sys.modules[m] = None\n"
        code = blocked + "".join(f"import lifecircle.{m}\n" for m in PURE_MODULES) + "print('ok')"
        done = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(PLUGIN), capture_output=True, text=True)
        self.assertEqual((done.returncode, done.stdout.strip()), (0, "ok"), done.stderr)

    def test_the_qgis_side_does_need_qgis(self):
        blocked = "import sys\nsys.modules['qgis'] = None\nimport lifecircle.algorithms\n"
        done = subprocess.run([sys.executable, "-c", blocked], cwd=os.path.dirname(PLUGIN), capture_output=True, text=True)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("qgis", done.stderr)


class MetadataTest(unittest.TestCase):
    def test_version_and_licence_are_the_crates(self):
        package = cargo_package()
        self.assertEqual(metadata()["version"], package["version"])
        self.assertEqual(metadata()["license"], package["license"])

    def test_required_fields(self):
        meta = metadata()
        for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "icon", "category"):
            self.assertTrue(meta.get(key, "").strip(), key)
        self.assertEqual(meta["qgisMinimumVersion"], "3.22")
        self.assertEqual(meta["hasProcessingProvider"], "yes")
        self.assertTrue(os.path.isfile(os.path.join(PLUGIN, meta["icon"])))
        for key in ("description", "about"):  # Chinese and English both
            self.assertRegex(meta[key], r"[\u4e00-\u9fff]")
            self.assertRegex(meta[key], r"[A-Za-z]{4,} [a-z]{2,} [a-z]{3,}")

    def test_class_factory_is_defined(self):
        with open(os.path.join(PLUGIN, "__init__.py"), encoding="utf-8") as f:
            self.assertRegex(f.read(), re.compile(r"^def classFactory\(iface\)", re.M))


if __name__ == "__main__":
    unittest.main()
