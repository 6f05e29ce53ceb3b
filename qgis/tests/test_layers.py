"""The temporary copy's fields: the planner's choices under the engine's names, nothing shadowing them."""

import unittest

from lifecircle.layers import LAYER_BY_PARAM, LAYER_INPUTS, FieldCopy, field_param, field_plan

ESTATES = LAYER_BY_PARAM["ESTATES"]
FACILITIES = LAYER_BY_PARAM["FACILITIES"]


class FieldPlanTest(unittest.TestCase):
    def test_layer_with_the_engines_names_is_copied_as_it_is(self):
        plan = field_plan(ESTATES, ["estate_id", "name", "population"], {})
        self.assertEqual(plan, [FieldCopy("estate_id", "estate_id"), FieldCopy("name", "name"), FieldCopy("population", "population")])

    def test_chosen_fields_take_the_engines_names_and_shadowing_fields_are_left_out(self):
        fields = ["fid", "编码", "estate_id", "小区名称", "NAME", "人口数", "remark"]
        chosen = {"ID": "编码", "NAME": "小区名称", "POPULATION": "人口数", "HOUSEHOLDS": ""}
        self.assertEqual(field_plan(ESTATES, fields, chosen), [
            FieldCopy("estate_id", "编码"), FieldCopy("name", "小区名称"), FieldCopy("population", "人口数"), FieldCopy("remark", "remark")])

    def test_feature_id_stands_in_for_a_missing_id_field(self):
        plan = field_plan(FACILITIES, ["poi_name", "类别"], {"NAME": "poi_name"})
        self.assertEqual(plan, [FieldCopy("facility_id", None), FieldCopy("name", "poi_name"), FieldCopy("类别", "类别")])

    def test_an_id_field_in_another_case_is_kept_rather_than_doubled(self):
        plan = field_plan(FACILITIES, ["FACILITY_ID", "category"], {})
        self.assertEqual(plan, [FieldCopy("FACILITY_ID", "FACILITY_ID"), FieldCopy("category", "category")])

    def test_fid_chosen_as_id_is_renamed_not_dropped(self):
        self.assertEqual(field_plan(ESTATES, ["fid", "name"], {"ID": "fid"}), [FieldCopy("estate_id", "fid"), FieldCopy("name", "name")])

    def test_wrong_choices_are_refused(self):
        with self.assertRaisesRegex(ValueError, "not a field"):
            field_plan(ESTATES, ["name"], {"ID": "code"})
        with self.assertRaisesRegex(ValueError, "two roles"):
            field_plan(ESTATES, ["n"], {"POPULATION": "n", "HOUSEHOLDS": "n"})

    def test_every_layer_has_an_id_role_first_and_distinct_parameters(self):
        names = set()
        for layer in LAYER_INPUTS:
            self.assertEqual(layer.roles[0].key, "ID")
            self.assertTrue(layer.flag.startswith("--"))
            for role in layer.roles:
                names.add(field_param(layer.param, role.key))
        self.assertEqual(len(names), sum(len(layer.roles) for layer in LAYER_INPUTS))
        self.assertIn("ESTATES_POPULATION_FIELD", names)


if __name__ == "__main__":
    unittest.main()
