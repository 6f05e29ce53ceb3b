"""The catalogue: every key in both languages with the same placeholders, and every text the code asks for."""

import glob
import os
import re
import string
import unittest

from lifecircle import args, catalogue, engine, log, outputs, profile
from lifecircle.layers import LAYER_INPUTS

from .paths import PLUGIN


def placeholders(template):
    return sorted({name for _, name, _, _ in string.Formatter().parse(template) if name})


class CompletenessTest(unittest.TestCase):
    def test_every_key_has_chinese_and_english_with_the_same_placeholders(self):
        for key, entry in catalogue.TEXTS.items():
            self.assertEqual(sorted(entry), ["en", "zh"], key)
            self.assertTrue(entry["zh"].strip() and entry["en"].strip(), key)
            self.assertEqual(placeholders(entry["zh"]), placeholders(entry["en"]), key)

    def test_chinese_texts_are_chinese(self):
        han = re.compile(r"[\u4e00-\u9fff]")
        for key, entry in catalogue.TEXTS.items():
            if key not in ("param.field", "msg.group_name"):  # made only of placeholders filled with Chinese texts
                self.assertRegex(entry["zh"], han, key)

    def test_every_text_the_code_asks_for_exists(self):
        keys = set()
        for layer in LAYER_INPUTS:
            keys.add(f"layer.{layer.param}")
            keys.update(f"role.{role.key}" for role in layer.roles)
        for algorithm in args.ALGORITHMS:
            keys.update({f"alg.{algorithm.id}.name", f"alg.{algorithm.id}.help"})
        for option in args.OPTIONS:
            keys.add(f"param.{option.param}")
            if option.kind == "enum":
                keys.update(f"choice.{option.param}.{c}" for c in option.choices)
        keys.update(f"category.{c}" for c in args.CATEGORY_KEYS)
        keys.update(f"choice.INPUT_COORDS.{c}" for c in args.INPUT_COORDS)
        keys.update(f"choice.LANGUAGE.{c}" for c in args.LANGUAGES)
        keys.update(f"param.{name}" for name in profile.TIER_PARAMS.values())
        keys.update(m.next_stage for milestones in log.MILESTONES.values() for m in milestones)
        keys.add(log.FIRST_STAGE)
        keys.update(f"outlayer.{name}" for name in outputs.LAYER_ORDER)
        # every literal key in the plugin's code ("msg.canceled", f"alg.{...}" aside)
        for path in glob.glob(os.path.join(PLUGIN, "*.py")):
            with open(path, encoding="utf-8") as f:
                keys.update(re.findall(r'"((?:msg|stage|param|output|setting|provider)\.[A-Za-z_]+)"', f.read()))
        missing = sorted(k for k in keys if k not in catalogue.TEXTS)
        self.assertEqual(missing, [])
        self.assertIn("msg.engine_too_old", keys)

    def test_engine_errors_fill_their_message(self):
        for key, values in [("msg.engine_not_found", {"install": engine.INSTALL_COMMAND}),
                            ("msg.engine_too_old", {"path": "/x", "version": "0.0.1", "minimum": "0.1.0", "install": engine.INSTALL_COMMAND})]:
            for lang in catalogue.LANGUAGES:
                self.assertIn(engine.INSTALL_COMMAND, catalogue.text(key, lang, **values))

    def test_category_names_are_the_profiles(self):
        import tomllib

        from .paths import PROFILE

        with open(PROFILE, "rb") as f:
            categories = tomllib.load(f)["category"]
        for lang, field in (("zh", "name_zh"), ("en", "name_en")):
            names = {c["key"]: c[field] for c in categories}
            self.assertEqual({k: catalogue.text(f"category.{k}", lang) for k in names}, names)


class LanguageTest(unittest.TestCase):
    def test_resolve_language(self):
        self.assertEqual(catalogue.resolve_language("zh", "en_US"), "zh")
        self.assertEqual(catalogue.resolve_language("en", "zh_CN"), "en")
        self.assertEqual(catalogue.resolve_language("auto", "zh_TW"), "zh")
        self.assertEqual(catalogue.resolve_language("auto", "de_DE"), "en")
        self.assertEqual(catalogue.resolve_language("", ""), "zh")
        self.assertEqual(catalogue.resolve_language(None, "en"), "zh")

    def test_text_fills_values_in_the_chosen_language(self):
        self.assertEqual(catalogue.text("msg.command", "zh", command="lifecircle plan"), "运行命令：lifecircle plan")
        self.assertEqual(catalogue.text("msg.command", "en", command="lifecircle plan"), "Running: lifecircle plan")
        self.assertEqual(catalogue.text("provider.name", "fr"), "lifecircle 社区生活圈")
        with self.assertRaises(KeyError):
            catalogue.text("msg.nothing", "zh")


if __name__ == "__main__":
    unittest.main()
