"""Thresholds set in the dialog, written into a copy of the GB 50180-2018 profile."""

import tomllib
import unittest

from lifecircle import profile

from .paths import PROFILE


class OverrideTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(PROFILE, encoding="utf-8") as f:
            cls.text = f.read()

    def test_the_embedded_profile_has_the_standards_thresholds(self):
        found = profile.tier_thresholds(self.text)
        self.assertEqual({tier: sorted(set(v)) for tier, v in found.items()}, {"5min": [300.0], "10min": [500.0], "15min": [1000.0]})
        self.assertEqual({tier: [m] for tier, m in profile.STANDARD_THRESHOLDS.items()}, {t: sorted(set(v)) for t, v in found.items()})

    def test_override_changes_only_that_tier_and_keeps_every_other_line(self):
        new, changed = profile.override_thresholds(self.text, {"15min": 800.0, "5min": 250})
        self.assertEqual(changed, {"15min": 3, "5min": 8})
        parsed = tomllib.loads(new)
        by_tier = {}
        for category in parsed["category"]:
            by_tier.setdefault(category["tier"], set()).add(category["threshold_m"])
        self.assertEqual(by_tier, {"5min": {250.0}, "10min": {500.0}, "15min": {800.0}})
        old_lines, new_lines = self.text.splitlines(), new.splitlines()
        self.assertEqual(len(old_lines), len(new_lines))
        self.assertEqual(sum(a != b for a, b in zip(old_lines, new_lines)), 11)
        original = tomllib.loads(self.text)
        original["category"] = parsed["category"] = None
        self.assertEqual(original, parsed)

    def test_bad_thresholds_are_refused(self):
        with self.assertRaisesRegex(ValueError, "positive"):
            profile.override_thresholds(self.text, {"5min": 0})
        with self.assertRaisesRegex(ValueError, "no category of tier 20min"):
            profile.override_thresholds(self.text, {"20min": 1500.0})

    def test_the_plugin_finds_the_default_profile(self):
        with open(profile.default_profile_path(), encoding="utf-8") as f:
            self.assertEqual(f.read(), self.text)


if __name__ == "__main__":
    unittest.main()
