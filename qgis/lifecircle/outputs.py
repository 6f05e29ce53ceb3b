"""How a run's output layers appear in the project: their order in the group (sites and bundles on top,
the walking network at the bottom), which start hidden, and the names a planner reads.

Pure Python (no QGIS import): unit-tested without QGIS.
"""

# Top to bottom in the layer tree (and so in drawing order: the first is drawn last, on top). Points above
# lines above polygons, so nothing hides the sites; service areas under the estates they surround.
LAYER_ORDER = (
    "sites", "bundle_sites", "bundles",
    "facilities", "gates", "access_points",
    "lift_candidates", "adjacency", "estates", "facility_footprints", "candidates", "idle_land", "protected_land",
    "barriers", "barrier_areas", "boundaries",
    "service_lines", "service_areas", "buildings",
    "network_islands", "network",
    "rejects",
)

# Layers added unticked: detail a planner turns on when needed (the rejects have no single geometry type).
HIDDEN_LAYERS = frozenset({"access_points", "adjacency", "candidates", "protected_land", "service_lines", "buildings", "network_islands", "rejects"})

# Tables of the GeoPackage that are not map layers.
NOT_LAYERS = frozenset({"layer_styles"})


def ordered_layers(names):
    """The output layers to add, top first: known layers in :data:`LAYER_ORDER`, others after them
    (alphabetically, before the network), tables that are not layers left out."""
    known = {name: i for i, name in enumerate(LAYER_ORDER)}
    network_at = known["network_islands"]
    layers = [n for n in names if n not in NOT_LAYERS]
    return sorted(layers, key=lambda n: (known.get(n, network_at - 0.5), n))


def display_name(table, lang, catalogue_text):
    """The layer's name in the layer tree: ``小区（estates）`` in Chinese, ``estates`` in English, so the
    GeoPackage table stays recognisable; ``catalogue_text(key, lang)`` looks the Chinese name up."""
    if lang != "zh":
        return table
    try:
        return f"{catalogue_text('outlayer.' + table, 'zh')}（{table}）"
    except KeyError:
        return table
