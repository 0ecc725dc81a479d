//! Chinese text reads: a scenario with Chinese ids, names and kinds (real
//! Huimin township seats, `tests/data/chinese.toml`) draws its Chinese in the
//! PNG charts with real glyphs, not the font's missing-glyph box, keeps it
//! intact and escaped in SVG and the report, and lines up its console
//! tables by display width.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontRef, GlyphId, PxScale};
use policesim::report::SummaryFile;
use policesim::report::charts::{self, CHARTS, FONT, FONT_FAMILY};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::common::policesim;

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/chinese.toml")
}

/// Runs the Chinese scenario with PNG charts into a fresh directory.
fn run(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let (status, _, stderr) = policesim([
        "run".as_ref(),
        scenario().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--png".as_ref(),
        "--quiet".as_ref(),
    ]);
    assert!(status.success(), "{stderr}");
    out
}

fn summary(out: &Path) -> SummaryFile {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every `<text>` of an SVG chart, as XML parsing reads it back.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The coverage of `glyph` rasterised at `px`: (width, height, ink per
/// pixel row by row), or `None` for a glyph with no outline.
fn coverage(font: &FontRef, glyph: GlyphId, px: f32) -> Option<(u32, u32, Vec<f32>)> {
    let outlined = font.outline_glyph(glyph.with_scale(PxScale::from(px)))?;
    let b = outlined.px_bounds();
    let (w, h) = (b.width() as u32, b.height() as u32);
    let mut ink = vec![0.0; (w * h) as usize];
    outlined.draw(|x, y, c| ink[(y * w + x) as usize] = c);
    Some((w, h, ink))
}

#[test]
fn every_chinese_character_the_charts_draw_has_a_real_glyph_not_the_missing_box() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    let font = FontRef::try_from_slice(FONT).expect("the embedded font parses with ab_glyph");
    let notdef = coverage(&font, GlyphId(0), 40.0).expect(".notdef has an outline (a box)");

    // What the charts draw (PNG and SVG are drawn by the same code).
    let mut texts = Vec::new();
    for (stem, _, _) in CHARTS {
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        texts.extend(svg_texts(&svg));
    }
    let all = texts.join("\n");
    for label in [
        "惠民县: county map",
        "纠纷",
        "盗窃",
        "交通事故",
        "何坊",
        "胡集",
    ] {
        assert!(all.contains(label), "no chart draws {label:?}");
    }

    let chinese: BTreeSet<char> = all.chars().filter(|c| !c.is_ascii()).collect();
    assert!(chinese.len() >= 20, "{chinese:?}");
    for c in chinese {
        let id = font.glyph_id(c);
        assert_ne!(id, GlyphId(0), "{c:?} maps to the missing glyph");
        let got = coverage(&font, id, 40.0).unwrap_or_else(|| panic!("{c:?} has no outline"));
        let ink: f32 = got.2.iter().sum();
        assert!(ink > 20.0, "{c:?} draws almost nothing ({ink})");
        if (got.0, got.1) == (notdef.0, notdef.1) {
            let diff: f32 = got
                .2
                .iter()
                .zip(&notdef.2)
                .map(|(a, b)| (a - b).abs())
                .sum();
            assert!(diff > 20.0, "{c:?} rasterises as the missing-glyph box");
        }
    }
    // The font covers every hanzi of GB 2312 and Latin (DejaVu's glyphs).
    let mut gb2312 = 0;
    for c in ('\u{4e00}'..='\u{9fff}').filter(|&c| font.glyph_id(c) != GlyphId(0)) {
        gb2312 += usize::from(c.is_alphabetic());
    }
    assert!(gb2312 >= 6763, "only {gb2312} hanzi in the font");
    for c in ' '..='~' {
        assert_ne!(font.glyph_id(c), GlyphId(0), "{c:?}");
    }
}

#[test]
fn the_font_has_a_glyph_for_every_hanzi_of_gb2312() {
    // GB 2312's hanzi are rows 0xB0..=0xF7, cells 0xA1..=0xFE of the
    // encoding (levels 1 and 2), less the five empty cells 0xD7FA..=0xD7FE:
    // 6,763 characters, decoded here through GBK, a superset of GB 2312.
    let font = FontRef::try_from_slice(FONT).unwrap();
    let mut hanzi = 0;
    let mut missing = Vec::new();
    for row in 0xB0u8..=0xF7 {
        for cell in 0xA1u8..=0xFE {
            let bytes = [row, cell];
            let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
            let c = text.chars().next().unwrap();
            if bad || !('\u{4e00}'..='\u{9fff}').contains(&c) {
                assert!(row == 0xD7 && cell >= 0xFA, "{row:X}{cell:X} is {c:?}");
                continue;
            }
            hanzi += 1;
            if font.glyph_id(c) == GlyphId(0) || font.outline(font.glyph_id(c)).is_none() {
                missing.push(c);
            }
        }
    }
    assert_eq!(hanzi, 6763);
    assert!(
        missing.is_empty(),
        "no glyph for {} hanzi: {missing:?}",
        missing.len()
    );
}

/// Pixels of the PNG chart title, where the scenario name is drawn first.
fn title_pixels(data: &SummaryFile, name: &str, dir: &Path) -> Vec<u8> {
    let mut data = data.clone();
    data.run.scenario = name.to_string();
    let path = dir.join(format!("map-{}.png", name.len()));
    charts::png("map", &data, &path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let width = info.width as usize;
    // The title is drawn at (24, 16), 26 px: three CJK characters take the
    // 70 px after x = 24.
    (8..48)
        .flat_map(|y| (24..94).map(move |x| (y, x)))
        .flat_map(|(y, x)| buf[3 * (y * width + x)..3 * (y * width + x) + 3].to_vec())
        .collect()
}

#[test]
fn the_png_title_draws_the_chinese_name_differently_from_missing_glyphs() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    let data = summary(&out);
    // Private-use characters are in no font: they draw the missing glyph.
    let missing = title_pixels(&data, "\u{e000}\u{e001}\u{e002}", dir.path());
    let chinese = title_pixels(&data, "惠民县", dir.path());
    let ink = |px: &[u8]| px.iter().filter(|&&v| v < 128).count();
    assert!(ink(&missing) > 50, "the missing-glyph boxes are drawn");
    assert!(ink(&chinese) > 100, "the Chinese name is drawn");
    let differ = missing
        .chunks(3)
        .zip(chinese.chunks(3))
        .filter(|(a, b)| a != b)
        .count();
    assert!(
        differ > 200,
        "惠民县 is drawn like missing glyphs ({differ} pixels differ)"
    );
}

#[test]
fn svg_charts_keep_chinese_escaped_and_name_cjk_fonts_before_the_generic_family() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    for (stem, _, _) in CHARTS {
        let svg = std::fs::read_to_string(out.join(format!("charts/{stem}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
        for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
            assert_eq!(t.attribute("font-family"), Some(FONT_FAMILY), "{stem}.svg");
        }
        assert!(svg_texts(&svg).iter().any(|t| t.starts_with("惠民县: ")));
    }
    let families: Vec<&str> = FONT_FAMILY.split(", ").collect();
    assert_eq!(families.last(), Some(&"sans-serif"));
    for cjk in [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "Microsoft YaHei",
        "PingFang SC",
    ] {
        assert!(families.contains(&cjk), "{cjk}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&format!("font-family: {FONT_FAMILY};")));
    assert!(html.contains("<h1>惠民县</h1>"));
}

#[test]
fn station_zone_and_squad_names_appear_in_summary_json_report_tables_and_map_labels() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    let zone = "城区<北>协作区 & 何坊";
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let map = &json["map"];
    assert_eq!(map["stations"][0]["id"], "何坊");
    assert_eq!(map["stations"][0]["name"], "何坊街道派出所");
    assert_eq!(map["stations"][5]["name"], "胡集镇派出所");
    assert_eq!(map["zones"][0]["id"], "北区");
    assert_eq!(map["zones"][0]["name"], zone);
    assert_eq!(map["zones"][1]["name"], "东部协作区");
    assert_eq!(map["bases"][0]["name"], "惠民县交警大队");
    assert_eq!(
        json["run"]["kinds"],
        serde_json::json!(["纠纷", "盗窃", "交通事故"])
    );

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for cell in [
        "<td>何坊街道派出所</td><td>何坊</td>",
        "城区&lt;北&gt;协作区 &amp; 何坊 (北区)</td><td rowspan=",
        "class=\"list\">何坊街道派出所, 石庙镇派出所, 皂户李镇派出所</td>",
        ">东部协作区 (东区)</td>",
    ] {
        assert!(html.contains(cell), "report.html lacks {cell}");
    }

    // map.geojson names every station, zone and base, in UTF-8 as written.
    let geo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("map.geojson")).unwrap()).unwrap();
    let named = |layer: &str| -> Vec<(String, String)> {
        geo["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["layer"] == layer)
            .map(|p| {
                (
                    p["id"].as_str().unwrap().into(),
                    p["name"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        named("station")[0],
        ("何坊".into(), "何坊街道派出所".into())
    );
    assert_eq!(named("station")[5].1, "胡集镇派出所");
    assert_eq!(named("zone")[0], ("北区".into(), zone.into()));
    assert_eq!(named("zone")[1].1, "东部协作区");
    assert_eq!(
        named("base"),
        [("惠民交警".into(), "惠民县交警大队".into())]
    );
    let demand: Vec<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p["layer"] == "demand")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(demand[0], "何坊街道");
    assert_eq!(map["demand"][0]["name"], "何坊街道");

    let svg = std::fs::read_to_string(out.join("charts/map.svg")).unwrap();
    let texts = svg_texts(&svg);
    for name in [
        "何坊街道派出所",
        "石庙镇派出所",
        "皂户李镇派出所",
        "桑落墅镇派出所",
        "麻店镇派出所",
        "胡集镇派出所",
        "惠民县交警大队 (traffic squad)",
        "zone 东部协作区",
    ] {
        assert!(texts.iter().any(|t| t == name), "map lacks label {name}");
    }
    // XML's special characters are escaped in the file and read back intact.
    assert!(svg.contains("zone 城区&lt;北&gt;协作区 &amp; 何坊"));
    assert!(texts.contains(&format!("zone {zone}")));
    // Placed by lat/lon, so the axes are in degrees around Huimin.
    let lon: Vec<f64> = texts
        .iter()
        .filter_map(|t| t.strip_suffix("°E")?.parse().ok())
        .collect();
    let lat: Vec<f64> = texts
        .iter()
        .filter_map(|t| t.strip_suffix("°N")?.parse().ok())
        .collect();
    assert!(
        lon.len() >= 3 && lon.iter().all(|v| (117.2..117.9).contains(v)),
        "{lon:?}"
    );
    assert!(
        lat.len() >= 3 && lat.iter().all(|v| (37.2..37.6).contains(v)),
        "{lat:?}"
    );
}

#[test]
fn map_labels_sit_on_a_light_box_that_covers_the_whole_name() {
    // Outline, jurisdiction and zone lines and the density layer run under
    // the labels; each name is drawn over a white box of its own size so
    // that no line crosses its characters.
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path());
    let svg = std::fs::read_to_string(out.join("charts/map.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let num =
        |n: &roxmltree::Node, key: &str| -> f64 { n.attribute(key).unwrap().parse().unwrap() };
    let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut checked = 0;
    for n in doc.descendants() {
        if n.has_tag_name("rect")
            && n.attribute("fill") == Some("#FFFFFF")
            && n.attribute("opacity")
                .is_some_and(|o| o.parse::<f64>().unwrap() < 1.0)
        {
            let (x, y) = (num(&n, "x"), num(&n, "y"));
            boxes.push((x, y, x + num(&n, "width"), y + num(&n, "height")));
        }
        let text = n.text().unwrap_or("").trim();
        if !n.has_tag_name("text") || !text.ends_with("派出所") {
            continue;
        }
        // Every character of a station name is a full-width hanzi: one em
        // wide. The text's box from its anchor (text-anchor start or end;
        // drawn above the anchor with a negative dy, else below it).
        let (x, y, size) = (num(&n, "x"), num(&n, "y"), num(&n, "font-size"));
        let w = text.chars().count() as f64 * size;
        let (x0, x1) = match n.attribute("text-anchor") {
            Some("end") => (x - w, x),
            _ => (x, x + w),
        };
        let above = n.attribute("dy").is_some_and(|d| d.starts_with('-'));
        let (y0, y1) = if above {
            (y - 0.9 * size, y)
        } else {
            (y, y + 0.9 * size)
        };
        assert!(
            boxes
                .iter()
                .any(|b| b.0 <= x0 && x1 <= b.2 && b.1 <= y0 && y1 <= b.3),
            "label {text} spans x {x0:.0}..{x1:.0}, y {y0:.0}..{y1:.0}; boxes drawn before it: {boxes:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 6, "six station labels");
}

/// Display columns at which each whitespace-separated token of `line` starts
/// and ends.
fn token_cols(line: &str) -> Vec<(usize, usize)> {
    let mut cols = Vec::new();
    let mut start = None;
    let mut col = 0;
    for c in line.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        match (c == ' ', start) {
            (false, None) => start = Some(col),
            (true, Some(s)) => {
                cols.push((s, col));
                start = None;
            }
            _ => {}
        }
        col += w;
    }
    if let Some(s) = start {
        cols.push((s, col));
    }
    cols
}

/// Display column just after `token` in `line`.
fn end_of(line: &str, token: &str) -> usize {
    let i = line
        .find(token)
        .unwrap_or_else(|| panic!("{token:?} not in {line:?}"));
    line[..i + token.len()].width()
}

/// The lines of the block that starts with the line starting with `head`,
/// up to the next blank line.
fn block<'a>(text: &'a str, head: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(head))
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn console_tables_line_up_by_display_width() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario();
    let run = |args: &[&str]| {
        let (status, stdout, stderr) = policesim(args);
        assert!(status.success(), "{stderr}");
        stdout
    };
    let file = scenario.to_str().unwrap();
    let out = dir.path().join("out");
    let table = run(&[
        "run",
        file,
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);

    // Strategies and kinds: the calls column and the line ends at the
    // header's, whatever the width of the Chinese kind names.
    for head in ["strategy ", "by kind "] {
        let lines = block(&table, head);
        let header = lines[0];
        let rows: Vec<&str> = lines[2..]
            .iter()
            .copied()
            .filter(|l| !matches!(*l, "per_station" | "zone_cooperation"))
            .collect();
        assert_eq!(
            rows.len(),
            if head == "strategy " { 2 } else { 6 },
            "{lines:#?}"
        );
        for row in rows {
            let cols = token_cols(row);
            assert_eq!(cols[1].1, end_of(header, "calls"), "{header}\n{row}");
            assert_eq!(
                cols.last().unwrap().1,
                end_of(header, "open"),
                "{header}\n{row}"
            );
        }
    }
    assert!(table.contains("\n  交通事故 "));

    let check = run(&["check", file]);
    // Stations: left-aligned id and name, right-aligned numbers.
    let lines = block(&check, "station ");
    assert_eq!(lines.len(), 7, "{lines:#?}");
    let name_at = token_cols(lines[0])[1].0;
    for row in &lines[1..] {
        let cols = token_cols(row);
        assert_eq!(cols.len(), 8, "{row}");
        assert_eq!(cols[1].0, name_at, "{}\n{row}", lines[0]);
        assert_eq!(cols[2].1, end_of(lines[0], "x (km)"), "{}\n{row}", lines[0]);
        assert_eq!(
            cols[7].1,
            end_of(lines[0], "calls/day"),
            "{}\n{row}",
            lines[0]
        );
    }
    // Zones: the hub column starts at its header, after names with spaces.
    let lines = block(&check, "zone ");
    let hub_at = lines[0][..lines[0].find("hub").unwrap()].width();
    for (row, (name, hub)) in lines[1..]
        .iter()
        .zip([("城区<北>协作区 & 何坊", "何坊"), ("东部协作区", "麻店")])
    {
        let after = row.find(name).unwrap() + name.len();
        let at = after + row[after..].find(hub).unwrap();
        assert_eq!(row[..at].width(), hub_at, "{}\n{row}", lines[0]);
    }
    // Kinds, and the people rotating through each station's posts.
    let lines = block(&check, "kind ");
    assert_eq!(lines.len(), 5, "{lines:#?}");
    for row in &lines[1..4] {
        assert_eq!(token_cols(row)[1].1, end_of(lines[0], "share"), "{row}");
        assert_eq!(token_cols(row).last().unwrap().1, end_of(lines[0], "case"));
    }
    let lines = block(&check, "  who (rotating");
    assert!(lines.len() > 10, "{lines:#?}");
    for row in &lines[1..] {
        assert_eq!(
            token_cols(row).last().unwrap().1,
            end_of(lines[0], "duty h/week"),
            "{}\n{row}",
            lines[0]
        );
    }
}

/// A scenario the exact models fit (one exponential kind, one unit per
/// call), with Chinese ids of several widths.
const FITS: &str = r#"
[scenario]
name = "排队"
days = 2
[travel]
speed_kmh = 40.0
[[stations]]
id = "何坊"
x_km = 0.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[stations]]
id = "桑落墅镇派出所"
x_km = 10.0
y_km = 0.0
officers = 4
auxiliaries = 8
[[stations]]
id = "li"
x_km = 0.0
y_km = 10.0
officers = 4
auxiliaries = 8
[[demand]]
x_km = 1.0
y_km = 0.0
weight = 1.0
[[demand]]
x_km = 9.0
y_km = 0.0
weight = 1.0
[[demand]]
x_km = 0.0
y_km = 9.0
weight = 1.0
[incidents]
per_day = 20.0
[[incidents.kinds]]
name = "纠纷"
share = 1.0
on_scene = { dist = "exponential", mean = 30.0 }
[strategies.per_station]
units = 1
[strategies.efficiency]
units = 2
posts = ["何坊", "桑落墅镇派出所"]
"#;

#[test]
fn analytic_tables_line_up_by_display_width() {
    let dir = tempfile::tempdir().unwrap();
    let path = crate::common::write_file(dir.path(), "fits.toml", FITS);
    let (status, text, stderr) = policesim(["analytic".as_ref(), path.as_os_str()]);
    assert!(status.success(), "{stderr}");
    let erlang: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  Erlang C"))
        .collect();
    assert_eq!(erlang.len(), 3, "{text}");
    let at = |l: &str, s: &str| l[..l.find(s).unwrap()].width();
    for row in &erlang {
        assert_eq!(at(row, "c="), at(erlang[0], "c="), "{text}");
        assert_eq!(at(row, "load"), at(erlang[0], "load"), "{text}");
        assert_eq!(
            at(row, "utilisation"),
            at(erlang[0], "utilisation"),
            "{text}"
        );
    }
    assert!(erlang[1].contains("station \"桑落墅镇派出所\""), "{text}");
    let units = block(&text, "  unit ");
    assert!(units.len() >= 3, "{text}");
    for row in &units[1..] {
        assert_eq!(
            token_cols(row).last().unwrap().1,
            end_of(units[0], "workload")
        );
    }
}
