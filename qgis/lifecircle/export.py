"""What the engine reads, written from the project: each input layer into one temporary GeoPackage (its
selected features only when the planner ticked "Selected features only"), the chosen fields under the
engine's names (see :func:`layers.field_plan`), and a survey workbook's first sheet as CSV.
"""

import os

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsProcessingFeatureSource,
    QgsVectorFileWriter,
)
from qgis.PyQt.QtCore import QVariant

from . import catalogue
from .layers import field_plan


class ExportError(Exception):
    """A layer or table cannot be written; the message is in the planner's language."""


# Spreadsheets GDAL reads; their first row holds the column names.
SPREADSHEET_EXTENSIONS = (".xlsx", ".xls", ".ods")


def describe_plan(plan, lang):
    """The renamings of a field plan, for the log (``字段 编码 → estate_id``)."""
    parts = []
    for copy in plan:
        if copy.source is None:
            parts.append(catalogue.text("msg.field_feature_id", lang, target=copy.name))
        elif copy.source != copy.name:
            parts.append(catalogue.text("msg.field_renamed", lang, source=copy.source, target=copy.name))
    return "; ".join(parts) if parts else catalogue.text("msg.fields_as_is", lang)


def write_layer(source, layer_input, chosen, gpkg_path, table, transform_context, feedback, label, lang):
    """Write one Processing feature source into ``gpkg_path`` as ``table``; return the engine's layer
    argument ``FILE|layername=TABLE``, the number of features and the field plan used."""
    source_fields = source.fields()
    names = [source_fields.at(i).name() for i in range(source_fields.count())]
    try:
        plan = field_plan(layer_input, names, chosen)
    except ValueError as e:
        raise ExportError(catalogue.text("msg.field_problem", lang, layer=label, problem=str(e))) from e
    fields = QgsFields()
    indices = []
    for copy in plan:
        if copy.source is None:
            fields.append(QgsField(copy.name, QVariant.LongLong))
            indices.append(None)
        else:
            index = source_fields.indexOf(copy.source)
            field = QgsField(source_fields.at(index))
            field.setName(copy.name)
            fields.append(field)
            indices.append(index)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = table
    options.fileEncoding = "UTF-8"
    options.actionOnExistingFile = (QgsVectorFileWriter.CreateOrOverwriteLayer if os.path.exists(gpkg_path)
                                    else QgsVectorFileWriter.CreateOrOverwriteFile)
    writer = QgsVectorFileWriter.create(gpkg_path, fields, source.wkbType(), source.sourceCrs(), transform_context, options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise ExportError(catalogue.text("msg.export_failed", lang, layer=label, error=writer.errorMessage()))
    total = source.featureCount()
    count = 0
    # The engine repairs invalid polygons itself (GEOS MakeValid) and lists what it cannot use in `rejects`:
    # Processing's own invalid-geometry check must not drop or stop on them first.
    request = QgsFeatureRequest()
    for feature in source.getFeatures(request, QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks):
        if feedback.isCanceled():
            break
        out = QgsFeature(fields)
        out.setGeometry(feature.geometry())
        attributes = feature.attributes()
        out.setAttributes([feature.id() if i is None else attributes[i] for i in indices])
        if not writer.addFeature(out):
            message = writer.errorMessage()
            del writer
            raise ExportError(catalogue.text("msg.export_failed", lang, layer=label, error=message))
        count += 1
        if total and count % 1000 == 0:
            feedback.setProgressText(f"{label}: {count}/{total}")
    del writer  # closes the layer: the file is complete before the engine reads it
    return f"{gpkg_path}|layername={table}", count, plan


def spreadsheet_to_csv(path, csv_path, lang):
    """The first sheet of an Excel or LibreOffice workbook as UTF-8 CSV (the first row is the header)."""
    from osgeo import gdal

    for option in ("OGR_XLSX_HEADERS", "OGR_XLS_HEADERS", "OGR_ODS_HEADERS"):
        gdal.SetConfigOption(option, "FORCE")
    try:
        source = gdal.OpenEx(path, gdal.OF_VECTOR)
        if source is None or source.GetLayerCount() == 0:
            raise ExportError(catalogue.text("msg.survey_unreadable", lang, path=path, error=gdal.GetLastErrorMsg() or "no sheet"))
        first = source.GetLayer(0).GetName()
        done = gdal.VectorTranslate(csv_path, source, format="CSV", layers=[first])
        if done is None:
            raise ExportError(catalogue.text("msg.survey_unreadable", lang, path=path, error=gdal.GetLastErrorMsg() or "conversion failed"))
        done = None  # closes the CSV
        source = None
    finally:
        for option in ("OGR_XLSX_HEADERS", "OGR_XLS_HEADERS", "OGR_ODS_HEADERS"):
            gdal.SetConfigOption(option, None)
    return csv_path
