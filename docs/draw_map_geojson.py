#!/usr/bin/env python3
"""Draw a policesim map.geojson as a GIS would: jurisdictions shaded by a
result property, zone borders, the county outline and the stations, on
WGS-84 longitude/latitude axes. Optional tooling for the README image
(needs Pillow: pip install pillow); policesim itself never runs it.

usage: draw_map_geojson.py MAP.geojson OUT.png [PROPERTY]
       PROPERTY defaults to per_station_response_mean_min
"""
import json
import math
import sys

from PIL import Image, ImageDraw

src, out = sys.argv[1], sys.argv[2]
prop = sys.argv[3] if len(sys.argv) > 3 else "per_station_response_mean_min"
fc = json.load(open(src, encoding="utf-8"))
feats = fc["features"]


def rings(g):
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return [r for p in polys for r in p]


pts = [c for f in feats if f["geometry"]["type"] != "Point" for r in rings(f["geometry"]) for c in r]
lon0, lon1 = min(p[0] for p in pts), max(p[0] for p in pts)
lat0, lat1 = min(p[1] for p in pts), max(p[1] for p in pts)
kx = math.cos(math.radians((lat0 + lat1) / 2))  # equal-distance axes
W, M = 1100, 70
scale = (W - 2 * M) / ((lon1 - lon0) * kx)
H = int((lat1 - lat0) * scale) + 2 * M + 40
img = Image.new("RGB", (W + 230, H), "white")
d = ImageDraw.Draw(img)


def xy(c):
    return (M + (c[0] - lon0) * kx * scale, H - M - (c[1] - lat0) * scale)


cells = [f for f in feats if f["properties"]["layer"] == "jurisdiction"]
vals = [f["properties"].get(prop) for f in cells if f["properties"].get(prop) is not None]
lo, hi = min(vals), max(vals)


def ramp(v):  # light yellow (fast) to dark red (slow)
    t = 0.0 if hi == lo else (v - lo) / (hi - lo)
    return (int(255 - 80 * t), int(240 - 200 * t), int(180 - 160 * t))


for f in cells:
    v = f["properties"].get(prop)
    for r in rings(f["geometry"]):
        d.polygon([xy(c) for c in r], fill=ramp(v) if v is not None else (230, 230, 230), outline=(110, 110, 110))
for f in feats:
    if f["properties"]["layer"] == "zone":
        for r in rings(f["geometry"]):
            d.line([xy(c) for c in r], fill=(30, 60, 160), width=4)
    if f["properties"]["layer"] == "outline":
        for r in rings(f["geometry"]):
            d.line([xy(c) for c in r], fill=(0, 0, 0), width=2)
for f in feats:
    p = f["properties"]
    if p["layer"] == "station":
        x, y = xy(f["geometry"]["coordinates"])
        r = 7 if p.get("hub") else 5
        d.rectangle([x - r, y - r, x + r, y + r], fill="black")
        v = p.get(prop)
        d.text((x + 9, y - 6), f"{p['id']} {v:.1f}" if v is not None else p["id"], fill="black")
# Degree ticks.
step = 0.1
t = math.ceil(lon0 / step) * step
while t <= lon1:
    x, _ = xy((t, lat0))
    d.line([(x, H - M), (x, H - M + 6)], fill="black")
    d.text((x - 18, H - M + 10), f"{t:.1f}°E", fill="black")
    t += step
t = math.ceil(lat0 / step) * step
while t <= lat1:
    _, y = xy((lon0, t))
    d.line([(M - 6, y), (M, y)], fill="black")
    d.text((4, y - 6), f"{t:.1f}°N", fill="black")
    t += step
lx = W + 10
d.text((lx, M), f"jurisdictions shaded by\n{prop}", fill="black")
for i in range(6):
    v = lo + (hi - lo) * i / 5
    d.rectangle([lx, M + 40 + 22 * i, lx + 30, M + 58 + 22 * i], fill=ramp(v))
    d.text((lx + 38, M + 44 + 22 * i), f"{v:.1f}", fill="black")
d.line([(lx, M + 190), (lx + 30, M + 190)], fill=(30, 60, 160), width=4)
d.text((lx + 38, M + 184), "zone border", fill="black")
d.line([(lx, M + 212), (lx + 30, M + 212)], fill=(0, 0, 0), width=2)
d.text((lx + 38, M + 206), "county outline", fill="black")
d.text((lx, M + 230), "squares: stations\n(big: zone hubs)\nlabel: id, value", fill="black")
d.text((M, 14), f"{src}: drawn from the GeoJSON alone (WGS-84)", fill="black")
img.save(out)
