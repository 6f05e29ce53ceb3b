"""Argument building: the exact command lines the plugin runs, and that its flags and defaults are the CLI's."""

import glob
import os
import re
import tomllib
import unittest

from lifecircle import args
from lifecircle.args import Inputs, build_argv, format_number

from .paths import PROFILE, SRC

OSM_ONLY = Inputs(osm="data/x.osm.pbf", layers={}, survey=None, profile=None, crs=None, input_coords="wgs84")


class BuildArgvTest(unittest.TestCase):
    def test_plan_on_osm_with_defaults_is_the_short_command(self):
        argv = build_argv("lifecircle", "plan", OSM_ONLY, {"K": 3, "MIN_POP": 5000.0, "ACCESS": "gates", "OPEN_COMPOUNDS": False}, "/out")
        self.assertEqual(argv, ["lifecircle", "--log-format", "json", "plan", "--osm", "data/x.osm.pbf", "--out", "/out"])

    def test_bundles_maps_to_the_bundle_subcommand_with_gpkg_output_and_changed_options_only(self):
        inputs = Inputs(osm=None, layers={"--boundaries": "in.gpkg|layername=boundaries", "--estates": "in.gpkg|layername=estates"},
                        survey="s.csv", profile=None, crs="EPSG:4547", input_coords="gcj02")
        values = {"MIN_POP": 3000.0, "MAX_POP": 12000.0, "ZHIFU_CONSENT": True, "BARRIER_ROADS": "secondary", "CONSENT": 0.75,
                  "SEED": 1, "K": 5, "ACCESS": "centroid"}  # K and ACCESS belong to other algorithms
        argv = build_argv("/bin/lifecircle", "bundles", inputs, values, "/tmp/o")
        self.assertEqual(argv, [
            "/bin/lifecircle", "--log-format", "json", "bundle",
            "--estates", "in.gpkg|layername=estates", "--boundaries", "in.gpkg|layername=boundaries",
            "--survey", "s.csv", "--crs", "EPSG:4547", "--input-coords", "gcj02",
            "--consent", "0.75", "--zhifu-consent", "--barrier-roads", "secondary", "--min-pop", "3000",
            "--out", "/tmp/o", "--format", "gpkg"])

    def test_sites_takes_coverage_and_siting_options_and_categories_joined_by_commas(self):
        values = {"CATEGORIES": ["kindergarten", "elderly_care"], "K": 2, "MAX_SNAP": 150.0, "SEARCH_RADIUS": None,
                  "SERVICE_AREAS": "none", "NO_DERIVED_LAND": True, "TITLE": "x", "OPEN_GATES": "gates.txt"}
        argv = build_argv("lc", "sites", OSM_ONLY, values, "o")
        self.assertEqual(argv[3:], ["sites", "--osm", "data/x.osm.pbf", "--max-snap", "150", "--service-areas", "none",
                                    "--open-gates", "gates.txt", "--categories", "kindergarten,elderly_care", "-k", "2",
                                    "--no-derived-land", "--out", "o", "--format", "gpkg"])

    def test_hills_and_walkers_are_coverage_options(self):
        values = {"DEM": "/data/dem.tif", "WALKER": "elderly", "WALKER_COMPARE": False}
        argv = build_argv("lc", "coverage", OSM_ONLY, values, "o")
        self.assertEqual(argv[3:], ["coverage", "--osm", "data/x.osm.pbf", "--dem", "/data/dem.tif", "--walker", "elderly", "--out", "o", "--format", "gpkg"])
        argv = build_argv("lc", "plan", OSM_ONLY, {"WALKER": "adult", "WALKER_COMPARE": True}, "o")
        self.assertEqual(argv[3:], ["plan", "--osm", "data/x.osm.pbf", "--walker-compare", "--out", "o"])
        self.assertNotIn("--dem", build_argv("lc", "bundles", OSM_ONLY, values, "o"))
        with self.assertRaises(ValueError):
            build_argv("lc", "coverage", OSM_ONLY, {"WALKER": "runner"}, "o")

    def test_protected_land_is_a_layer_flag(self):
        inputs = Inputs(osm="x.pbf", layers={"--protected-land": "p.gpkg|layername=protected_land"}, survey=None, profile=None, crs=None, input_coords="wgs84")
        argv = build_argv("lc", "plan", inputs, {}, "o")
        self.assertEqual(argv[3:], ["plan", "--osm", "x.pbf", "--protected-land", "p.gpkg|layername=protected_land", "--out", "o"])

    def test_an_extract_folder_is_read_back_with_layers_and_a_layer_given_replaces_its_kind(self):
        inputs = Inputs(osm=None, layers={"--estates": "edited.gpkg|layername=estates"}, survey=None, profile=None, crs=None,
                        input_coords="wgs84", extract_dir="/work/extract")
        argv = build_argv("lc", "plan", inputs, {}, "o")
        self.assertEqual(argv[3:], ["plan", "--layers", "/work/extract", "--estates", "edited.gpkg|layername=estates", "--out", "o"])
        # The folder alone is an input.
        alone = Inputs(None, {}, None, None, None, "wgs84", "/work/extract")
        self.assertEqual(build_argv("lc", "coverage", alone, {}, "o")[3:], ["coverage", "--layers", "/work/extract", "--out", "o", "--format", "gpkg"])

    def test_extract_takes_no_stage_options(self):
        argv = build_argv("lc", "extract", OSM_ONLY, {"K": 9, "MIN_POP": 1.0, "ACCESS": "boundary"}, "o")
        self.assertEqual(argv[3:], ["extract", "--osm", "data/x.osm.pbf", "--out", "o", "--format", "gpkg"])

    def test_plan_title_and_language(self):
        argv = build_argv("lc", "plan", OSM_ONLY, {"TITLE": "玄武区 老旧小区"}, "o", lang="en")
        self.assertEqual(argv[argv.index("--title") + 1], "玄武区 老旧小区")
        self.assertEqual(argv[-2:], ["--lang", "en"])
        self.assertNotIn("--lang", build_argv("lc", "plan", OSM_ONLY, {}, "o"))

    def test_bad_values_are_refused(self):
        with self.assertRaises(ValueError):
            build_argv("lc", "plan", Inputs(None, {}, None, None, None, "wgs84"), {}, "o")
        with self.assertRaises(ValueError):
            build_argv("lc", "coverage", OSM_ONLY, {"ACCESS": "door"}, "o")
        with self.assertRaises(ValueError):
            build_argv("lc", "plan", OSM_ONLY, {"CATEGORIES": ["kindergarten", "zoo"]}, "o")
        with self.assertRaises(ValueError):
            build_argv("lc", "plan", OSM_ONLY, {}, "o", lang="fr")
        with self.assertRaises(ValueError):
            build_argv("lc", "plan", OSM_ONLY._replace(input_coords="utm"), {}, "o")
        with self.assertRaises(ValueError):
            build_argv("lc", "plan", OSM_ONLY._replace(layers={"--roads": "r.gpkg"}), {}, "o")

    def test_numbers_are_written_as_the_cli_reads_them(self):
        self.assertEqual([format_number(30.0), format_number(0.667), format_number(5000), format_number(2.5e-3)], ["30", "0.667", "5000", "0.0025"])
        self.assertEqual(format_number(12345678.0), "12345678")
        with self.assertRaises(TypeError):
            format_number(True)

    def test_command_line_text_quotes_what_a_shell_would_split(self):
        text = args.command_line_text(["lifecircle", "plan", "--estates", "my data/e.gpkg|layername=estates"])
        self.assertEqual(text, "lifecircle plan --estates 'my data/e.gpkg|layername=estates'")

    def test_rerun_repeats_the_json_into_the_output_folder(self):
        run = os.path.join(os.sep, "runs", "nanjing", "summary.json")
        self.assertEqual(args.rerun_argv("lifecircle", run, "/tmp/again"), ["lifecircle", "--log-format", "json", "rerun", run, "--out", "/tmp/again"])
        self.assertEqual(args.rerun_argv("lifecircle", run, "/tmp/again", force=True)[-1], "--force")

    def test_the_recorded_subcommand_drives_the_progress_of_a_rerun(self):
        import json
        import tempfile

        with tempfile.TemporaryDirectory() as work:
            cases = {
                "plan.json": ["/usr/bin/lifecircle", "--log-format", "json", "plan", "--osm", "plan", "--out", "x"],
                "coverage.json": ["lifecircle", "coverage", "--osm", "a.osm.pbf", "--out", "y"],
                "none.json": ["lifecircle", "--version"],
            }
            for name, command in cases.items():
                with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                    json.dump({"provenance": {"command_line": command}}, f)
            with open(os.path.join(work, "broken.json"), "w", encoding="utf-8") as f:
                f.write("{not json")
            self.assertEqual(args.recorded_subcommand(os.path.join(work, "plan.json")), "plan")
            self.assertEqual(args.recorded_subcommand(os.path.join(work, "coverage.json")), "coverage")
            self.assertIsNone(args.recorded_subcommand(os.path.join(work, "none.json")))
            self.assertIsNone(args.recorded_subcommand(os.path.join(work, "broken.json")))
            self.assertIsNone(args.recorded_subcommand(os.path.join(work, "gone.json")))


class AgainstTheEngineTest(unittest.TestCase):
    """The plugin's flags, defaults and categories are the engine's (read from its source and profile)."""

    @classmethod
    def setUpClass(cls):
        texts = []
        for path in glob.glob(os.path.join(SRC, "**", "*.rs"), recursive=True):
            with open(path, encoding="utf-8") as f:
                texts.append(f.read())
        cls.source = "\n".join(texts)

    def arg_attribute(self, flag):
        """The `#[arg(...)]` text of the CLI field behind `flag`."""
        if flag == "-k":
            match = re.search(r"#\[arg\(([^\]]*short = 'k'[^\]]*)\)\]\s*pub (\w+):", self.source)
        else:
            field = flag.lstrip("-").replace("-", "_")
            match = re.search(r"#\[arg\(([^\]]*)\)\]\s*pub " + field + r":", self.source)
        self.assertIsNotNone(match, f"{flag}: no such field in the CLI (src/**/*.rs)")
        return match.group(1)

    def test_every_option_flag_exists_with_the_same_default(self):
        for option in args.OPTIONS:
            attribute = self.arg_attribute(option.flag)
            if option.kind == "bool" or option.default is None:
                self.assertNotIn("default_value", attribute, option.flag)
                continue
            match = re.search(r'default_value(?:_t)? = "?([^",)]+)"?', attribute)
            self.assertIsNotNone(match, f"{option.flag} has no default in the CLI, the plugin says {option.default}")
            cli_default = match.group(1).strip()
            if "::" in cli_default:
                # A clap value enum's variant (`AccessArg::Gates`): clap spells it in kebab case.
                variant = cli_default.rsplit("::", 1)[1]
                cli_default = re.sub(r"(?<!^)(?=[A-Z])", "-", variant).lower()
            if option.kind in ("int", "float"):
                self.assertEqual(float(cli_default), float(option.default), option.flag)
            else:
                self.assertEqual(cli_default, option.default, option.flag)

    def test_every_layer_flag_exists(self):
        from lifecircle.layers import LAYER_INPUTS

        for layer in LAYER_INPUTS:
            self.arg_attribute(layer.flag)
        self.arg_attribute("--layers")  # the extract folder (Inputs.extract_dir)

    def test_categories_are_the_embedded_profiles_in_order(self):
        with open(PROFILE, "rb") as f:
            profile = tomllib.load(f)
        self.assertEqual(list(args.CATEGORY_KEYS), [c["key"] for c in profile["category"]])

    def test_every_algorithm_runs_a_subcommand_of_the_cli(self):
        self.assertRegex(self.source, r"\n\s*Rerun\(RerunArgs\)")
        for subcommand in args.RUN_SUBCOMMANDS:
            variant = subcommand.capitalize()
            self.assertRegex(self.source, r"\n\s*" + variant + r"\(" + variant + r"Args\)", subcommand)
        for algorithm in args.ALGORITHMS:
            variant = algorithm.subcommand.capitalize()
            self.assertRegex(self.source, r"\n\s*" + variant + r"\(" + variant + r"Args\)", algorithm.id)


if __name__ == "__main__":
    unittest.main()
