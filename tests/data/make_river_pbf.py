"""Writes river.osm (OSM XML) and river.osm.pbf, the tiny extract read by
tests/integration/road_network_is_exact.rs. Development-time only: the
tests read the committed .pbf and need no Python.

    pip install osmium && python3 tests/data/make_river_pbf.py

Roads in km around the projection centre 37.4 N, 117.6 E (the same local
projection as policesim's): a south bank road (y = -1) and a north bank road
(y = +1) with a river between, a bridge at x = 5 with maxspeed 30, a one-way
bridge at x = 2 (south to north), a footway across at x = 0, a residential
road east from the north end of the bridge, and a building (no highway tag).
"""
import math
import os

import osmium

R = 6371.0088
LAT0, LON0 = 37.4, 117.6


def lonlat(x, y):
    lat = LAT0 + math.degrees(y / R)
    lon = LON0 + math.degrees(x / (R * math.cos(math.radians(LAT0))))
    return lon, lat


nodes = {
    1: (0, -1), 2: (2, -1), 3: (5, -1),
    4: (0, 1), 5: (2, 1), 6: (5, 1), 7: (10, 1),
    8: (20, 20), 9: (20.1, 20), 10: (20.1, 20.1),
}
ways = [
    (101, [1, 2, 3], {"highway": "secondary", "name": "south bank"}),
    (102, [4, 5, 6], {"highway": "secondary", "name": "north bank"}),
    (103, [3, 6], {"highway": "primary", "maxspeed": "30", "bridge": "yes"}),
    (104, [2, 5], {"highway": "secondary", "oneway": "yes", "bridge": "yes"}),
    (105, [1, 4], {"highway": "footway"}),
    (106, [6, 7], {"highway": "residential"}),
    (107, [8, 9, 10, 8], {"building": "yes"}),
]

here = os.path.dirname(os.path.abspath(__file__))
xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="make_river_pbf.py">']
for nid, (x, y) in nodes.items():
    lon, lat = lonlat(x, y)
    xml.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
for wid, refs, tags in ways:
    xml.append(f'  <way id="{wid}" version="1">')
    xml += [f'    <nd ref="{r}"/>' for r in refs]
    xml += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
    xml.append("  </way>")
xml.append("</osm>")
with open(os.path.join(here, "river.osm"), "w") as f:
    f.write("\n".join(xml) + "\n")

pbf = os.path.join(here, "river.osm.pbf")
if os.path.exists(pbf):
    os.remove(pbf)
writer = osmium.SimpleWriter(pbf)
for obj in osmium.FileProcessor(os.path.join(here, "river.osm")):
    writer.add(obj)
writer.close()
print("wrote", pbf, os.path.getsize(pbf), "bytes")
