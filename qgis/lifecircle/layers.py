"""The engine's input layers as the plugin offers them: Processing parameter name, CLI flag, accepted
geometry, and the attribute roles (id, name, category ...) a planner picks a field for.

The engine reads each role from a field of a fixed name (``estate_id``, ``name``, ``category`` ...) unless
a global flag (``--id-field`` ...) names another; a global flag applies to every layer of the run, so it
cannot say "the estates' id is ``code`` and the facilities' id is ``poi_id``". The plugin writes every
project layer to a temporary GeoPackage anyway, so it writes the chosen field under the engine's name
there instead (:func:`field_plan`): each layer gets its own choice and no field flag is needed.

Pure Python (no QGIS import): unit-tested without QGIS.
"""

from collections import namedtuple

# A role: Processing parameter suffix, the engine's field name for it.
Role = namedtuple("Role", "key engine_field")

# A layer input: Processing parameter name, CLI flag, geometry kinds accepted ("point", "line",
# "polygon"), roles in the order the dialog shows their field drop-downs.
LayerInput = namedtuple("LayerInput", "param flag geometries roles")

LAYER_INPUTS = (
    LayerInput("ESTATES", "--estates", ("polygon",), (
        Role("ID", "estate_id"), Role("NAME", "name"), Role("POPULATION", "population"),
        Role("HOUSEHOLDS", "households"), Role("BUILT_YEAR", "built_year"))),
    LayerInput("FACILITIES", "--facilities", ("point", "polygon"), (
        Role("ID", "facility_id"), Role("NAME", "name"), Role("CATEGORY", "category"), Role("CAPACITY", "capacity"))),
    LayerInput("NETWORK", "--network", ("line",), (Role("ID", "way_id"),)),
    LayerInput("GATES", "--gates", ("point",), (Role("ID", "gate_id"),)),
    LayerInput("BUILDINGS", "--buildings", ("polygon",), (Role("ID", "building_id"), Role("LEVELS", "levels"))),
    LayerInput("IDLE_LAND", "--idle-land", ("polygon",), (Role("ID", "parcel_id"),)),
    LayerInput("BARRIERS", "--barriers", ("line", "polygon"), (Role("ID", "barrier_id"), Role("CLASS", "class"))),
    LayerInput("BOUNDARIES", "--boundaries", ("polygon",), (
        Role("ID", "boundary_id"), Role("NAME", "name"), Role("LEVEL", "level"))),
    LayerInput("PROTECTED_LAND", "--protected-land", ("polygon",), (Role("ID", "protected_id"), Role("CLASS", "class"))),
)

LAYER_BY_PARAM = {layer.param: layer for layer in LAYER_INPUTS}


def field_param(layer_param, role_key):
    """The Processing parameter holding the field chosen for a role, e.g. ``ESTATES_POPULATION_FIELD``."""
    return f"{layer_param}_{role_key}_FIELD"


def id_role(layer):
    """The layer's id role (every layer has one, first)."""
    return layer.roles[0]


# What to do with one field of the temporary copy: (name written, source field or None for the feature id).
FieldCopy = namedtuple("FieldCopy", "name source")


def field_plan(layer, source_fields, chosen):
    """Which fields the temporary copy of a layer holds, and from where.

    ``source_fields``: the layer's field names in order; ``chosen``: role key -> field name the planner
    picked (absent or empty: none picked). Returns a list of :class:`FieldCopy`:

    - every source field is copied under its own name, except a field named ``fid`` (any case), which the
      GeoPackage reserves for its feature id (GeoPackage column names ignore case, so names are compared
      without it);
    - a field chosen for a role is written under the engine's name for that role instead of its own, and a
      source field already holding the engine's name (another field) is left out, so the engine reads the
      planner's choice and nothing else;
    - when no field is chosen for the id and the layer has no field with the engine's id name, the
      feature id is written under it (``source`` None), so the engine's ids are the project's feature ids
      whatever the selection.

    Raises ``ValueError`` when a chosen field is not in ``source_fields`` or one field is chosen for two roles.
    """
    renamed = {}  # source field -> engine name
    for role in layer.roles:
        field = chosen.get(role.key) or ""
        if not field:
            continue
        if field not in source_fields:
            raise ValueError(f"field `{field}` chosen for {role.key} is not a field of the layer")
        if field in renamed and renamed[field] != role.engine_field:
            raise ValueError(f"field `{field}` is chosen for two roles ({renamed[field]}, {role.engine_field})")
        renamed[field] = role.engine_field
    taken = {engine.lower() for source, engine in renamed.items() if source != engine}
    plan = []
    for name in source_fields:
        if name.lower() == "fid" and name not in renamed:
            continue
        if name in renamed:
            plan.append(FieldCopy(renamed[name], name))
        elif name.lower() in taken:
            continue
        else:
            plan.append(FieldCopy(name, name))
    id_name = id_role(layer).engine_field
    if id_name not in {copy.name.lower() for copy in plan}:
        plan.insert(0, FieldCopy(id_name, None))
    return plan
