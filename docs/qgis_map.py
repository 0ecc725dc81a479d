#!/usr/bin/python3
"""Open a policesim map.geojson in QGIS and render it to a PNG, as a planner
would see it in QGIS: each station's jurisdiction shaded by a result
property, zone borders, the county outline, stations labelled with their
name and value. Optional tooling for the README image; policesim never
runs it. Needs QGIS's Python bindings (Debian: python3-qgis) and, for
Chinese labels, a CJK font (Debian: fonts-noto-cjk).

usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_map.py MAP.geojson OUT.png [PROPERTY [TITLE]]
       PROPERTY defaults to per_station_within_target_pct
"""
import sys

from qgis.core import (
    Qgis, QgsApplication, QgsClassificationEqualInterval,
    QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFillSymbol,
    QgsGraduatedSymbolRenderer, QgsLayoutExporter, QgsLayoutItemLabel,
    QgsLayoutItemLegend, QgsLayoutItemMap, QgsLayoutPoint, QgsLayoutSize,
    QgsMarkerSymbol, QgsPalLayerSettings, QgsPrintLayout, QgsProject,
    QgsSingleSymbolRenderer, QgsStyle, QgsTextBufferSettings, QgsTextFormat,
    QgsUnitTypes, QgsVectorLayer, QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

src, out = sys.argv[1], sys.argv[2]
prop = sys.argv[3] if len(sys.argv) > 3 else "per_station_within_target_pct"
title_text = sys.argv[4] if len(sys.argv) > 4 else f"map.geojson: jurisdictions by {prop}"

app = QgsApplication([], False)
app.initQgis()


def layer(name, kind, geometry):
    """One policesim layer of the file, as QGIS's OGR provider reads it."""
    uri = f"{src}|geometrytype={geometry}|subset=\"layer\" = '{kind}'"
    lyr = QgsVectorLayer(uri, name, "ogr")
    if not lyr.isValid():
        sys.exit(f"QGIS cannot read {kind} ({geometry}) from {src}")
    print(f"{name}: {lyr.featureCount()} features, CRS {lyr.crs().authid()}, "
          f"{len(lyr.fields())} fields")
    return lyr


outline = layer("county outline", "outline", "Polygon")
cells = layer("jurisdictions", "jurisdiction", "Polygon")
zones = layer("zones", "zone", "Polygon")
stations = layer("stations", "station", "Point")

outline.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
    {"color": "250,247,235", "outline_color": "40,40,40", "outline_width": "0.8"})))
zones.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
    {"style": "no", "outline_color": "20,20,20", "outline_width": "1.2"})))
ramp = QgsStyle.defaultStyle().colorRamp("RdYlGn")
cell_renderer = QgsGraduatedSymbolRenderer(prop)
cell_renderer.setClassificationMethod(QgsClassificationEqualInterval())
cell_renderer.setSourceColorRamp(ramp)
cell_renderer.updateClasses(cells, 5)
fmt_labels = cell_renderer.labelFormat()
fmt_labels.setPrecision(1)
fmt_labels.setTrimTrailingZeroes(False)
cell_renderer.setLabelFormat(fmt_labels, True)
cells.setRenderer(cell_renderer)
cells.setOpacity(0.75)
stations.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
    {"name": "triangle", "color": "0,0,0", "size": "3"})))

fmt = QgsTextFormat()
fmt.setFont(QFont("Noto Sans CJK SC"))
fmt.setSize(8)
buf = QgsTextBufferSettings()
buf.setEnabled(True)
buf.setSize(0.8)
fmt.setBuffer(buf)
labels = QgsPalLayerSettings()
labels.fieldName = f"\"name\" || '\\n' || format_number(\"{prop}\", 1)"
labels.isExpression = True
labels.setFormat(fmt)
stations.setLabeling(QgsVectorLayerSimpleLabeling(labels))
stations.setLabelsEnabled(True)

project = QgsProject.instance()
for lyr in (outline, cells, zones, stations):
    project.addMapLayer(lyr)

# A print layout: the map, a legend of the classes and a title, exported
# as QGIS itself exports a layout.
project.setCrs(QgsCoordinateReferenceSystem("EPSG:32650"))  # UTM 50N: equal scale
layout = QgsPrintLayout(project)
layout.initializeDefaults()
page = layout.pageCollection().page(0)
page.setPageSize(QgsLayoutSize(250, 200, QgsUnitTypes.LayoutMillimeters))
mm = QgsUnitTypes.LayoutMillimeters

title = QgsLayoutItemLabel(layout)
title.setText(f"{title_text} (QGIS {Qgis.QGIS_VERSION.split('-')[0]})")
title.setFont(QFont("Noto Sans CJK SC", 14))
title.adjustSizeToText()
layout.addLayoutItem(title)
title.attemptMove(QgsLayoutPoint(6, 4, mm))

item = QgsLayoutItemMap(layout)
layout.addLayoutItem(item)
item.setLayers([stations, zones, cells, outline])
item.attemptMove(QgsLayoutPoint(4, 14, mm))
item.attemptResize(QgsLayoutSize(185, 182, mm))
item.setCrs(QgsCoordinateReferenceSystem("EPSG:32650"))
to_utm = QgsCoordinateTransform(outline.crs(), QgsCoordinateReferenceSystem("EPSG:32650"), project)
extent = to_utm.transformBoundingBox(outline.extent())
extent.scale(1.05)
# An item needs a size and an extent before it can zoom: setExtent reshapes
# the item to the extent, the resize restores the frame, zoomToExtent fits.
item.setExtent(extent)
item.attemptResize(QgsLayoutSize(185, 182, mm))
item.zoomToExtent(extent)
item.setFrameEnabled(True)

legend = QgsLayoutItemLegend(layout)
legend.setLinkedMap(item)
legend.setTitle("Legend")
legend.attemptMove(QgsLayoutPoint(193, 14, mm))
layout.addLayoutItem(legend)

exporter = QgsLayoutExporter(layout)
settings = QgsLayoutExporter.ImageExportSettings()
settings.dpi = 150
result = exporter.exportToImage(out, settings)
if result != QgsLayoutExporter.Success:
    sys.exit(f"QGIS could not export {out}: {result}")
print(f"wrote {out}; classes of {prop}:",
      [f"{r.lowerValue():.1f}-{r.upperValue():.1f}" for r in cell_renderer.ranges()])
app.exitQgis()
