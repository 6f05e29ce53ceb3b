"""A run's results in the project: the output GeoPackage's layers added as one group named after the run,
each with the style the engine stored in the GeoPackage (``layer_styles``), in the order of
:mod:`outputs`; and the report opened in the browser.
"""

import os

from qgis.core import QgsLayerTreeGroup, QgsVectorLayer
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtGui import QDesktopServices

from . import catalogue
from .outputs import HIDDEN_LAYERS, display_name, ordered_layers


def gpkg_tables(gpkg):
    """The tables of a GeoPackage (layers and attribute tables), read with OGR."""
    from osgeo import ogr

    dataset = ogr.Open(gpkg)
    if dataset is None:
        return []
    return [dataset.GetLayerByIndex(i).GetName() for i in range(dataset.GetLayerCount())]


def add_group(project, gpkg, group_name, lang, feedback):
    """Add the GeoPackage's layers to ``project`` as the group ``group_name`` at the top of the layer
    tree (an earlier group of that name, whose layers showed the files now replaced, is removed first).
    Returns the layers added, top first."""
    root = project.layerTreeRoot()
    for child in list(root.children()):
        if isinstance(child, QgsLayerTreeGroup) and child.name() == group_name:
            ids = child.findLayerIds()
            root.removeChildNode(child)
            project.removeMapLayers(ids)
    group = root.insertGroup(0, group_name)
    added = []
    for table in ordered_layers(gpkg_tables(gpkg)):
        layer = QgsVectorLayer(f"{gpkg}|layername={table}", display_name(table, lang, catalogue.text), "ogr")
        if not layer.isValid():
            feedback.pushInfo(catalogue.text("msg.layer_not_added", lang, layer=table))
            continue
        layer.loadDefaultStyle()
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(table not in HIDDEN_LAYERS)
        if table in HIDDEN_LAYERS:
            node.setExpanded(False)
        added.append(layer)
    return added


def open_report(path):
    """Open report.html in the system's browser; False when there is no report or no browser answered."""
    if not os.path.isfile(path):
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))
