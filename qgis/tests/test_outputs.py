"""The order and names of a run's layers in the project."""

import unittest

from lifecircle import catalogue
from lifecircle.outputs import HIDDEN_LAYERS, display_name, ordered_layers

# The tables of a real plan's lifecircle.gpkg, in the order the engine wrote them.
PLAN_TABLES = ["network", "network_islands", "estates", "facilities", "facility_footprints", "service_areas", "service_lines",
               "bundles", "sites", "bundle_sites", "candidates", "adjacency", "lift_candidates", "idle_land", "protected_land", "gates",
               "barriers", "barrier_areas", "access_points", "rejects", "layer_styles"]


class OrderTest(unittest.TestCase):
    def test_plan_layers_sites_and_bundles_on_top_network_at_the_bottom(self):
        order = ordered_layers(PLAN_TABLES)
        self.assertEqual(order[:3], ["sites", "bundle_sites", "bundles"])
        self.assertEqual(order[-3:], ["network_islands", "network", "rejects"])
        self.assertNotIn("layer_styles", order)
        self.assertEqual(len(order), len(PLAN_TABLES) - 1)
        self.assertLess(order.index("estates"), order.index("service_areas"))
        # Lift candidates (buildings) drawn over their estates; protected land under the candidates it rules out.
        self.assertLess(order.index("lift_candidates"), order.index("estates"))
        self.assertLess(order.index("candidates"), order.index("protected_land"))

    def test_an_unknown_layer_goes_above_the_network(self):
        order = ordered_layers(["network", "zzz_new", "estates", "aaa_new"])
        self.assertEqual(order, ["estates", "aaa_new", "zzz_new", "network"])

    def test_detail_layers_start_hidden_and_the_main_ones_shown(self):
        self.assertTrue({"rejects", "service_lines", "candidates"} <= HIDDEN_LAYERS)
        self.assertTrue(HIDDEN_LAYERS.isdisjoint({"sites", "bundles", "estates", "facilities", "service_areas", "network"}))

    def test_display_names(self):
        self.assertEqual(display_name("estates", "zh", catalogue.text), "小区（estates）")
        self.assertEqual(display_name("estates", "en", catalogue.text), "estates")
        self.assertEqual(display_name("something_new", "zh", catalogue.text), "something_new")


if __name__ == "__main__":
    unittest.main()
