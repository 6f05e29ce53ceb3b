"""Reading the engine's JSON log: events, their text, and the progress of real runs."""

import os
import unittest

from lifecircle import log
from lifecircle.log import LogEvent, Progress, describe, parse_line

from .paths import TESTS


def replay(name, subcommand):
    """(percent, stage) after each line of a recorded log that moved the run on."""
    progress = Progress(subcommand)
    moves = []
    with open(os.path.join(TESTS, name), encoding="utf-8") as f:
        for line in f:
            moved = progress.update(parse_line(line))
            if moved:
                moves.append(moved)
    return moves


class ParseTest(unittest.TestCase):
    def test_json_line(self):
        event = parse_line('{"timestamp":"2026-12-02T17:40:40Z","level":"INFO","fields":{"message":"stage done","stage":"coverage","seconds":0.23}}\n')
        self.assertEqual((event.level, event.message, event.fields), ("INFO", "stage done", {"stage": "coverage", "seconds": 0.23}))
        self.assertEqual(describe(event), "stage done: stage=coverage, seconds=0.23")

    def test_error_and_plain_lines(self):
        self.assertEqual(parse_line("error: estates.gpkg: the file does not exist"),
                         LogEvent("ERROR", "estates.gpkg: the file does not exist", {}, "error: estates.gpkg: the file does not exist"))
        hint = parse_line("  hint: check the path")
        self.assertEqual((hint.level, hint.message), (None, "hint: check the path"))
        broken = parse_line('{"level":"INFO", "fields": ')
        self.assertEqual((broken.level, broken.message), (None, '{"level":"INFO", "fields":'))

    def test_message_only_and_span_fields(self):
        event = parse_line('{"level":"WARN","fields":{"message":"GDAL: odd"},"span":{"name":"read"}}')
        self.assertEqual((event.level, event.message, event.fields), ("WARN", "GDAL: odd", {"span": {"name": "read"}}))
        self.assertEqual(describe(event), 'GDAL: odd: span={"name": "read"}')
        self.assertEqual(describe(parse_line('{"level":"INFO","fields":{"message":"x","n":3.0}}')), "x: n=3")


class ProgressTest(unittest.TestCase):
    def test_a_real_plan_on_osm_reaches_100_through_every_stage(self):
        moves = replay("plan_log.jsonl", "plan")
        self.assertEqual([p for p, _ in moves], [10, 20, 30, 50, 55, 62, 78, 82, 88, 98, 100])
        self.assertEqual([s for _, s in moves][:6], ["stage.read_inputs", "stage.coverage", "stage.coverage", "stage.coverage", "stage.bundles", "stage.sites"])
        self.assertEqual(moves[-1], (100, "stage.done"))

    def test_a_real_coverage_on_layers_moves_once_per_milestone(self):
        # three `read layer` lines move it once; the working-CRS line is not a milestone
        self.assertEqual(replay("coverage_layers_log.jsonl", "coverage"), [(14, "stage.read_inputs"), (40, "stage.coverage"), (80, "stage.writing")])

    def test_unknown_lines_and_a_milestone_of_an_earlier_stage_do_not_move_it(self):
        progress = Progress("plan")
        self.assertIsNone(progress.update(parse_line("some GDAL chatter")))
        self.assertIsNone(progress.update(parse_line('{"level":"INFO","fields":{"message":"stage done","stage":"a stage nobody knows"}}')))
        self.assertEqual(progress.update(parse_line('{"level":"INFO","fields":{"message":"stage done","stage":"sites"}}')), (78, "stage.layers"))
        self.assertIsNone(progress.update(parse_line('{"level":"INFO","fields":{"message":"walking network built"}}')))
        self.assertEqual(progress.percent, 78)

    def test_every_subcommand_has_milestones_and_ends_high(self):
        for subcommand, milestones in log.MILESTONES.items():
            percents = [m.percent for m in milestones]
            self.assertGreaterEqual(max(percents), 80, subcommand)
        with self.assertRaises(ValueError):
            Progress("batch")


if __name__ == "__main__":
    unittest.main()
