#!/usr/bin/env bash
# Rebuilds assets/PolicesimSans.ttf, the font the PNG charts are drawn with:
# DejaVu Sans (assets/DejaVuSans.ttf) with, for every character it lacks, the
# glyph of Noto Sans CJK SC, subset to GB 2312 (all 7,445 characters: the
# 6,763 hanzi plus its punctuation, kana, Greek, Cyrillic and symbols), Latin-1,
# General Punctuation, CJK Symbols and Punctuation and the fullwidth forms.
#
# OPTIONAL. The font is committed; building and testing policesim never runs
# this script and never needs Python. Run it only to change the subset.
#
# Needs: python3 with fonttools (`pip install fonttools`) and Noto Sans CJK,
# e.g. Debian's package (`apt-get install fonts-noto-cjk`, which installs
# /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc). Another copy can be
# given as the first argument: the .ttc collection or NotoSansCJKsc-Regular.otf.
#
# Why one merged TrueType file: plotters' ab_glyph backend draws each text
# with one font and no fallback, so fallback has to live inside the font.
# Noto Sans CJK is CFF-flavoured with 1000 units per em and DejaVu is
# TrueType with 2048, and fontTools merges only fonts of one flavour and
# scale, so the CJK glyphs are converted to quadratic outlines (cu2qu, within
# 1 unit) and scaled to 2048 units first. DejaVu's glyphs, kerning and
# vertical metrics are kept, so Latin text is drawn exactly as before.
# Hinting and OpenType layout tables are dropped: ab_glyph uses neither.
set -euo pipefail
cd "$(dirname "$0")"
SRC=${1:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
python3 - "$SRC" <<'PY'
import sys, tempfile, os, unicodedata
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.scaleUpem import scale_upem
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools import subset, merge

src = sys.argv[1]
OUT = "PolicesimSans.ttf"
FAMILY = "policesim Sans"

# The characters: every GB 2312 code point, decoded, and the ranges below.
chars = set()
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(ord(bytes([b1, b2]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
hanzi = sum(1 for c in chars if 0x4E00 <= c <= 0x9FFF)
assert len(chars) == 7445 and hanzi == 6763, (len(chars), hanzi)
for lo, hi in [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]:
    chars.update(range(lo, hi + 1))

# DejaVu Sans without hinting or layout tables (ab_glyph reads glyf, cmap,
# hmtx and kern only).
dejavu = TTFont("DejaVuSans.ttf")
have = set(dejavu.getBestCmap())
opts = subset.Options()
opts.glyph_names = True
opts.hinting = False
opts.layout_features = []
opts.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "FFTM", "gasp"]
opts.legacy_kern = True
opts.notdef_outline = True
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
s = subset.Subsetter(opts)
s.populate(unicodes=list(have))
s.subset(dejavu)
kern = dejavu["kern"]

# Noto Sans CJK SC, only for the characters DejaVu lacks.
if src.lower().endswith((".ttc", ".otc")):
    from fontTools.ttLib import TTCollection
    names = [f["name"].getDebugName(4) for f in TTCollection(src).fonts]
    cjk = TTFont(src, fontNumber=names.index("Noto Sans CJK SC"))
else:
    cjk = TTFont(src)
assert "CJK SC" in cjk["name"].getDebugName(4) or "SC" in cjk["name"].getDebugName(4), cjk["name"].getDebugName(4)
noto_version = cjk["name"].getDebugName(5)
need = sorted(c for c in chars if c not in have and c in cjk.getBestCmap())
missing = sorted(c for c in chars if c not in have and c not in cjk.getBestCmap()
                 and unicodedata.category(chr(c)) != "Cn")
opts = subset.Options()
opts.glyph_names = True
opts.hinting = False
opts.layout_features = []
opts.drop_tables += ["GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx", "BASE"]
opts.notdef_outline = True
opts.desubroutinize = True
s = subset.Subsetter(opts)
s.populate(unicodes=need)
s.subset(cjk)

# CFF (cubic) to glyf (quadratic), as fontTools' otf2ttf snippet does.
glyph_order = cjk.getGlyphOrder()
glyph_set = cjk.getGlyphSet()
glyphs = {}
for name in glyph_order:
    pen = TTGlyphPen(glyph_set)
    glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
    glyphs[name] = pen.glyph()
cjk["loca"] = newTable("loca")
cjk["glyf"] = glyf = newTable("glyf")
glyf.glyphOrder = glyph_order
glyf.glyphs = glyphs
del cjk["CFF "]
glyf.compile(cjk)
for name in glyph_order:
    g = glyf[name]
    adv, _ = cjk["hmtx"][name]
    cjk["hmtx"][name] = (adv, getattr(g, "xMin", 0))
maxp = cjk["maxp"] = newTable("maxp")
maxp.tableVersion = 0x00010000
for k in ["maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
          "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
          "maxComponentElements"]:
    setattr(maxp, k, 1 if k == "maxZones" else 0)
post = cjk["post"]
post.formatType = 2.0
post.extraNames = []
post.mapping = {}
post.glyphOrder = glyph_order
cjk["head"].glyphDataFormat = 0
cjk.sfntVersion = "\x00\x01\x00\x00"
scale_upem(cjk, dejavu["head"].unitsPerEm)

with tempfile.TemporaryDirectory() as tmp:
    a, b = os.path.join(tmp, "a.ttf"), os.path.join(tmp, "b.ttf")
    dejavu.recalcTimestamp = False
    dejavu.save(a)
    cjk.save(b)
    font = merge.Merger().merge([a, b])
    # Reload the first font's metrics: the merge takes the largest ascent and
    # descent, which would shrink every Latin glyph.
    base = TTFont(a)
for tag in ["head", "hhea", "OS/2", "post"]:
    for k, v in vars(base[tag]).items():
        if tag == "post" and k in ("formatType", "extraNames", "mapping", "glyphOrder"):
            continue
        if tag == "head" and k in ("checkSumAdjustment", "xMin", "yMin", "xMax", "yMax",
                                   "indexToLocFormat"):
            continue
        if tag == "hhea" and k in ("advanceWidthMax", "minLeftSideBearing", "minRightSideBearing",
                                   "xMaxExtent", "numberOfHMetrics"):
            continue
        if tag == "OS/2" and k in ("ulUnicodeRange1", "ulUnicodeRange2", "ulUnicodeRange3",
                                   "ulUnicodeRange4", "ulCodePageRange1", "ulCodePageRange2",
                                   "usFirstCharIndex", "usLastCharIndex"):
            continue
        setattr(font[tag], k, v)
font["kern"] = kern
font["OS/2"].recalcUnicodeRanges(font)
font["OS/2"].recalcCodePageRanges(font)

name = font["name"]
name.names = []
for nid, text in [
    (0, "Copyright (c) 2003 by Bitstream, Inc. All Rights Reserved. DejaVu changes are in public domain. "
        "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."),
    (1, FAMILY), (2, "Regular"), (3, FAMILY + " Regular"), (4, FAMILY + " Regular"),
    (5, "Version 1.0; DejaVu Sans 2.37 + Noto Sans CJK SC " + noto_version),
    (6, FAMILY.replace(" ", "") + "-Regular"),
    (10, "DejaVu Sans with Noto Sans CJK SC subset to GB 2312 for the glyphs DejaVu lacks; "
         "made by assets/make_cjk_subset.sh"),
    (13, "Bitstream Vera licence (DejaVu glyphs) and SIL Open Font License 1.1 (Noto Sans CJK "
         "glyphs): see DejaVuSans-LICENSE.txt and NotoSansCJK-LICENSE.txt"),
]:
    name.setName(text, nid, 3, 1, 0x409)
# Reproducible bytes: keep DejaVu's timestamps rather than today's.
font.recalcTimestamp = False
font.save(OUT)

check = TTFont(OUT)
cmap = check.getBestCmap()
lost = [c for c in chars if c not in cmap and c not in missing
        and unicodedata.category(chr(c)) != "Cn"]
assert not lost, lost[:20]
print(f"{OUT}: {os.path.getsize(OUT)} bytes, {len(check.getGlyphOrder())} glyphs, "
      f"{len(need)} characters from Noto Sans CJK SC {noto_version}; "
      f"{len(missing)} assigned characters of the list in neither font: "
      + "".join(chr(c) for c in missing[:40]))
PY
