//! `--set KEY=VALUE`: changes to a scenario made on the command line.
//!
//! An override is applied to the parsed TOML document before it is
//! deserialised, so it is checked exactly as if it had been written in the
//! file; a problem it causes is reported against the `--set` argument
//! instead of a line of the file.
//!
//! Keys are dotted paths into the file: `incidents.per_day`,
//! `travel.speed_kmh`, `stations[hefang].officers` (an entry by `id`, or by
//! `name` where entries have no id, or by 0-based position),
//! `stations[*].units` (every entry), `incidents.kinds[general].on_scene.mean`.
//! Values are TOML literals (`12`, `0.5`, `"north"`, `[1, 2]`, `{ dist =
//! "fixed", value = 3 }`); a bare word such as `hefang` is read as a string.
//!
//! ```
//! use policesim::scenario::overrides::Override;
//! let text = r#"
//! [scenario]
//! name = "tiny"
//! days = 2
//! [[stations]]
//! id = "a"
//! x_km = 0.0
//! y_km = 0.0
//! officers = 12
//! auxiliaries = 24
//! [[demand]]
//! x_km = 1.0
//! y_km = 0.0
//! weight = 1.0
//! [incidents]
//! per_day = 10.0
//! [[incidents.kinds]]
//! name = "general"
//! share = 1.0
//! on_scene = { dist = "exponential", mean = 30.0 }
//! [strategies.per_station]
//! units = 1
//! "#;
//! let set = [
//!     Override::parse("incidents.per_day=25").unwrap(),
//!     Override::parse("stations[a].units=3").unwrap(),
//! ];
//! let s = policesim::Scenario::from_toml_with(text, "tiny.toml", &set).unwrap();
//! assert_eq!(s.incidents.per_day, 25.0);
//! assert_eq!(s.stations[0].units, Some(3));
//!
//! let err = Override::parse("incidents.per_dya=25").unwrap_err();
//! assert!(err.to_string().contains("incidents.per_day"));
//!
//! let bad = [Override::parse("stations[*].units=0").unwrap()];
//! let err = policesim::Scenario::from_toml_with(text, "tiny.toml", &bad).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "--set stations[*].units=0: stations[0].units: a station needs at least 1 duty unit, found 0"
//! );
//! ```

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::diag::{Diagnostic, ScenarioError};
use super::raw::{DEFAULT_DETOUR, DEFAULT_SPEED_KMH, RawScenario};

/// How many suggestions an unknown key lists.
const SUGGESTIONS: usize = 5;

/// One part of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// A table key.
    Key(String),
    /// `[sel]`: array entries by id, name or position; `*` is every entry.
    Select(String),
}

/// A parsed `--set KEY=VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    arg: String,
    key: String,
    segs: Vec<Seg>,
    value: toml::Value,
}

/// A `--set` argument that cannot be used: malformed, or naming no key a
/// scenario can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// Not `KEY=VALUE`, or a malformed key or value.
    #[error("--set {arg}: {message}")]
    Syntax {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// The key is not a key of any scenario.
    #[error("--set {arg}: unknown key {key}; nearest valid keys: {}", .suggestions.join(", "))]
    UnknownKey {
        /// The argument as given.
        arg: String,
        /// The key as given.
        key: String,
        /// The nearest valid keys, nearest first.
        suggestions: Vec<String>,
    },
}

impl Override {
    /// Parses `KEY=VALUE` and checks that the key is a scenario key.
    pub fn parse(arg: &str) -> Result<Self, OverrideError> {
        let Some((key, value)) = split_assignment(arg) else {
            return Err(OverrideError::Syntax {
                arg: arg.to_string(),
                message: "expected KEY=VALUE, e.g. incidents.per_day=30".into(),
            });
        };
        let value = parse_value(value).map_err(|message| OverrideError::Syntax {
            arg: arg.to_string(),
            message,
        })?;
        Self::with_arg(arg, key.trim(), value)
    }

    /// An override of `key` by `value` (for programs building overrides).
    pub fn new(key: &str, value: toml::Value) -> Result<Self, OverrideError> {
        let arg = format!("{}={}", key.trim(), format_value(&value));
        Self::with_arg(&arg, key.trim(), value)
    }

    fn with_arg(arg: &str, key: &str, value: toml::Value) -> Result<Self, OverrideError> {
        let segs = parse_key(key).map_err(|message| OverrideError::Syntax {
            arg: arg.to_string(),
            message,
        })?;
        if !schema().iter().any(|e| e.matches(&segs)) {
            return Err(OverrideError::UnknownKey {
                arg: arg.to_string(),
                key: key.to_string(),
                suggestions: nearest_keys(&segs),
            });
        }
        Ok(Self {
            arg: arg.to_string(),
            key: key.to_string(),
            segs,
            value,
        })
    }

    /// The argument as given (`stations[*].units=2`).
    pub fn arg(&self) -> &str {
        &self.arg
    }

    /// The key (`stations[*].units`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value.
    pub fn value(&self) -> &toml::Value {
        &self.value
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arg)
    }
}

impl std::str::FromStr for Override {
    type Err = OverrideError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Splits at the first `=` outside brackets.
fn split_assignment(arg: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, ch) in arg.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '=' if depth == 0 => return Some((&arg[..i], &arg[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Reads a value as a TOML literal; a bare word (letters first, then
/// letters, digits, `_` and `-`) that is not a TOML literal is a string.
///
/// ```
/// use policesim::scenario::overrides::parse_value;
/// assert_eq!(parse_value("12").unwrap(), toml::Value::Integer(12));
/// assert_eq!(parse_value("0.5").unwrap(), toml::Value::Float(0.5));
/// assert_eq!(parse_value("hefang").unwrap(), toml::Value::String("hefang".into()));
/// assert_eq!(parse_value("\"a b\"").unwrap(), toml::Value::String("a b".into()));
/// assert!(parse_value("1.2.3").is_err());
/// ```
pub fn parse_value(text: &str) -> Result<toml::Value, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the value is empty".into());
    }
    let doc = format!("v = {text}\n");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => Ok(t.remove("v").expect("the value was parsed")),
        Err(e) => {
            let bare = text.chars().next().is_some_and(char::is_alphabetic)
                && text
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
            if bare {
                Ok(toml::Value::String(text.to_string()))
            } else {
                Err(format!(
                    "{text:?} is not a TOML value ({}); strings with spaces need quotes, e.g. '\"a b\"'",
                    e.message().trim()
                ))
            }
        }
    }
}

/// Writes a value as a TOML literal (`3`, `0.5`, `"north"`).
pub fn format_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) if is_bare(s) => s.clone(),
        toml::Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => {
            format!("{f:.1}")
        }
        other => other.to_string(),
    }
}

fn is_bare(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "true" | "false" | "inf" | "nan")
}

/// Splits `a.b[c][*].d` into its parts.
fn parse_key(key: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    let mut rest = key;
    if rest.is_empty() {
        return Err("the key is empty".into());
    }
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return Err(format!("{key:?} has an empty part"));
        }
        if name.contains(']') {
            return Err(format!("{key:?} has an unmatched ']'"));
        }
        segs.push(Seg::Key(name.to_string()));
        rest = &rest[end..];
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                return Err(format!("{key:?} has an unclosed '['"));
            };
            let sel = inner[..close].trim();
            if sel.is_empty() {
                return Err(format!(
                    "{key:?} has an empty [], write [*] for every entry or [id] for one"
                ));
            }
            segs.push(Seg::Select(sel.to_string()));
            rest = &inner[close + 1..];
        }
        if rest.is_empty() {
            return Ok(segs);
        }
        match rest.strip_prefix('.') {
            Some(r) if !r.is_empty() => rest = r,
            _ => return Err(format!("{key:?} is not a dotted key path")),
        }
    }
}

// ---------------------------------------------------------------------------
// The schema: every key a scenario file can have, read off the raw types.

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A number (integers allowed).
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Bool,
    /// A string.
    Text,
    /// A table.
    Table,
    /// An array.
    List,
}

/// One key a scenario file can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaKey {
    /// The path, with `[*]` for array entries and `*` for free table keys
    /// (`stations[*].units`, `travel.speeds.*`).
    pub path: String,
    /// What it holds.
    pub kind: ValueKind,
}

impl SchemaKey {
    fn matches(&self, segs: &[Seg]) -> bool {
        let mine = parse_key(&self.path).expect("schema paths are well formed");
        mine.len() == segs.len()
            && mine.iter().zip(segs).all(|(m, s)| match (m, s) {
                (Seg::Key(a), Seg::Key(b)) => a == "*" || a == b,
                (Seg::Select(_), Seg::Select(_)) => true,
                _ => false,
            })
    }
}

/// Every key a scenario file can have, in file order.
pub fn schema() -> &'static [SchemaKey] {
    static SCHEMA: OnceLock<Vec<SchemaKey>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut out = Vec::new();
        <RawScenario as serde::Deserialize>::deserialize(Tracer {
            path: String::new(),
            out: &mut out,
        })
        .expect("the raw scenario types can be traced");
        let mut keys: Vec<SchemaKey> = Vec::new();
        for (path, kind) in out {
            if path.is_empty() {
                continue;
            }
            // `Option<T>` and `#[serde(default)]` visit a key once; a key is
            // never listed twice.
            if !keys.iter().any(|k| k.path == path) {
                keys.push(SchemaKey { path, kind });
            }
        }
        keys
    })
}

/// The valid keys nearest to an unknown one: those it is the tail of
/// first, then by edit distance.
fn nearest_keys(segs: &[Seg]) -> Vec<String> {
    let wanted = render(segs);
    let mut scored: Vec<(bool, usize, &str)> = schema()
        .iter()
        .map(|k| {
            let tail = k.path.ends_with(&format!(".{wanted}"));
            (
                !tail,
                strsim::levenshtein(&wanted, &k.path),
                k.path.as_str(),
            )
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, _, p)| p.to_string())
        .collect()
}

/// A key with every selector written `[*]`.
fn render(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Select(_) => s.push_str("[*]"),
        }
    }
    s
}

type TraceError = de::value::Error;

/// A deserializer that builds nothing real: it hands every type a
/// placeholder and records which keys the type asks for.
struct Tracer<'a> {
    path: String,
    out: &'a mut Vec<(String, ValueKind)>,
}

impl Tracer<'_> {
    fn record(&mut self, kind: ValueKind) {
        self.out.push((self.path.clone(), kind));
    }
}

macro_rules! trace_as {
    ($($method:ident => $kind:ident, $visit:ident($v:expr);)*) => {
        $(fn $method<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
            self.record(ValueKind::$kind);
            visitor.$visit($v)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(de::Error::custom(format!(
            "{}: a self-describing value cannot be traced",
            self.path
        )))
    }

    trace_as! {
        deserialize_bool => Bool, visit_bool(false);
        deserialize_i8 => Integer, visit_i64(0);
        deserialize_i16 => Integer, visit_i64(0);
        deserialize_i32 => Integer, visit_i64(0);
        deserialize_i64 => Integer, visit_i64(0);
        deserialize_u8 => Integer, visit_u64(1);
        deserialize_u16 => Integer, visit_u64(1);
        deserialize_u32 => Integer, visit_u64(1);
        deserialize_u64 => Integer, visit_u64(1);
        deserialize_f32 => Number, visit_f64(1.0);
        deserialize_f64 => Number, visit_f64(1.0);
        deserialize_char => Text, visit_char('a');
        deserialize_str => Text, visit_str("");
        deserialize_string => Text, visit_str("");
        deserialize_identifier => Text, visit_str("");
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_any(v)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_any(v)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_some(self)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.record(ValueKind::List);
        visitor.visit_seq(OneElement {
            path: format!("{}[*]", self.path),
            out: self.out,
            done: false,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, TraceError> {
        self.deserialize_seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(v)
    }
    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, TraceError> {
        self.record(ValueKind::Table);
        visitor.visit_map(Fields {
            path: self.path,
            out: self.out,
            fields: &["*"],
            next: 0,
        })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.record(ValueKind::Table);
        visitor.visit_map(Fields {
            path: self.path,
            out: self.out,
            fields,
            next: 0,
        })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.record(ValueKind::Text);
        let first: &str = variants.first().copied().unwrap_or_default();
        visitor.visit_enum(first.into_deserializer())
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }
}

/// A sequence of one traced element.
struct OneElement<'a> {
    path: String,
    out: &'a mut Vec<(String, ValueKind)>,
    done: bool,
}

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = TraceError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize(Tracer {
            path: self.path.clone(),
            out: self.out,
        })
        .map(Some)
    }
}

/// A table whose keys are `fields`, each value traced.
struct Fields<'a> {
    path: String,
    out: &'a mut Vec<(String, ValueKind)>,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = TraceError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        let Some(&field) = self.fields.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(field.into_deserializer()).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let field = self.fields[self.next];
        self.next += 1;
        let path = if self.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.path)
        };
        seed.deserialize(Tracer {
            path,
            out: self.out,
        })
    }
}

// ---------------------------------------------------------------------------
// Applying overrides to a document.

/// Applies `overrides` in order to the parsed file; returns, per override,
/// the concrete paths it set (`stations[2].units`).
pub(crate) fn apply_all(
    doc: &mut toml::Table,
    overrides: &[Override],
) -> Result<Vec<Vec<String>>, ScenarioError> {
    let mut touched = Vec::with_capacity(overrides.len());
    for ov in overrides {
        let mut paths = Vec::new();
        let mut root = toml::Value::Table(std::mem::take(doc));
        let result = set(&mut root, &ov.segs, String::new(), &ov.value, &mut paths);
        let toml::Value::Table(t) = root else {
            unreachable!("the root stays a table")
        };
        *doc = t;
        result.map_err(|(key, message)| {
            ScenarioError::Invalid(vec![Diagnostic {
                file: format!("--set {}", ov.arg),
                line: None,
                key,
                message,
                strategy: None,
            }])
        })?;
        touched.push(paths);
    }
    Ok(touched)
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "a whole number",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

fn join_key(prefix: &str, k: &str) -> String {
    if prefix.is_empty() {
        k.to_string()
    } else {
        format!("{prefix}.{k}")
    }
}

/// Sets `value` at `segs` below `v` (whose path is `at`).
fn set(
    v: &mut toml::Value,
    segs: &[Seg],
    at: String,
    value: &toml::Value,
    paths: &mut Vec<String>,
) -> Result<(), (String, String)> {
    let Some((first, rest)) = segs.split_first() else {
        *v = value.clone();
        paths.push(at);
        return Ok(());
    };
    match first {
        Seg::Key(k) => {
            let toml::Value::Table(t) = v else {
                return Err((
                    at.clone(),
                    format!("{at} is {}, not a table with keys", type_name(v)),
                ));
            };
            let here = join_key(&at, k);
            if !t.contains_key(k.as_str()) {
                match rest.first() {
                    Some(Seg::Select(_)) => {
                        return Err((
                            here.clone(),
                            format!("the scenario has no {here} entries to set"),
                        ));
                    }
                    _ => {
                        t.insert(k.clone(), toml::Value::Table(toml::Table::new()));
                    }
                }
            }
            let child = t.get_mut(k.as_str()).expect("present or inserted");
            set(child, rest, here, value, paths)
        }
        Seg::Select(sel) => {
            let toml::Value::Array(items) = v else {
                return Err((
                    at.clone(),
                    format!("{at} is {}, not a list of entries", type_name(v)),
                ));
            };
            let chosen = select(items, sel).map_err(|m| (at.clone(), m))?;
            for i in chosen {
                set(&mut items[i], rest, format!("{at}[{i}]"), value, paths)?;
            }
            Ok(())
        }
    }
}

/// The label an entry is selected by: its `id`, else its `name`.
fn label(item: &toml::Value) -> Option<&str> {
    let t = item.as_table()?;
    t.get("id")
        .or_else(|| t.get("name"))
        .and_then(toml::Value::as_str)
}

/// Indices of the entries `sel` picks.
fn select(items: &[toml::Value], sel: &str) -> Result<Vec<usize>, String> {
    if sel == "*" {
        if items.is_empty() {
            return Err("the list is empty".into());
        }
        return Ok((0..items.len()).collect());
    }
    let by_label: Vec<usize> = (0..items.len())
        .filter(|&i| label(&items[i]) == Some(sel))
        .collect();
    if !by_label.is_empty() {
        return Ok(by_label);
    }
    if let Ok(i) = sel.parse::<usize>() {
        if i < items.len() {
            return Ok(vec![i]);
        }
        return Err(format!(
            "there is no entry {i}: the list has {} (0 to {})",
            items.len(),
            items.len().saturating_sub(1)
        ));
    }
    let known: Vec<&str> = items.iter().filter_map(label).collect();
    Err(if known.is_empty() {
        format!(
            "no entry is called {sel:?}; select entries by position (0 to {}) or [*]",
            items.len().saturating_sub(1)
        )
    } else {
        format!("no entry is called {sel:?} (known: {})", known.join(", "))
    })
}

/// Points every diagnostic about a key an override set at that override;
/// a diagnostic about a table holding an overridden key keeps its line and
/// names the override too.
pub(crate) fn attribute(diags: &mut [Diagnostic], overrides: &[Override], touched: &[Vec<String>]) {
    let within = |inner: &str, outer: &str| {
        inner == outer
            || inner.starts_with(&format!("{outer}."))
            || inner.starts_with(&format!("{outer}["))
    };
    for d in diags {
        // The last override that set the key is the one in effect.
        let pairs = || overrides.iter().zip(touched).rev();
        if let Some((ov, _)) = pairs().find(|(_, paths)| paths.iter().any(|p| within(&d.key, p))) {
            d.file = format!("--set {}", ov.arg);
            d.line = None;
        } else if !d.key.is_empty() {
            let parents: Vec<String> = pairs()
                .filter(|(_, paths)| paths.iter().any(|p| within(p, &d.key)))
                .map(|(ov, _)| format!("--set {}", ov.arg))
                .collect();
            if !parents.is_empty() {
                d.message = format!("{} (with {})", d.message, parents.join(", "));
            }
        }
    }
}

/// Why overrides could not be applied to scenario text.
pub(crate) enum ApplyError {
    /// The text is not TOML.
    Syntax(toml::de::Error),
    /// An override does not fit the document.
    Invalid(ScenarioError),
}

/// Parses scenario text and applies overrides: the document that
/// validation reads, and the paths each override set.
pub(crate) fn apply_to_source(
    src: &str,
    overrides: &[Override],
) -> Result<(String, Vec<Vec<String>>), ApplyError> {
    let mut doc: toml::Table = toml::from_str(src).map_err(ApplyError::Syntax)?;
    let touched = apply_all(&mut doc, overrides).map_err(ApplyError::Invalid)?;
    let text = toml::to_string(&doc).map_err(|e| {
        ApplyError::Invalid(ScenarioError::Invalid(vec![Diagnostic {
            file: "--set".into(),
            line: None,
            key: String::new(),
            message: format!("cannot write the changed scenario: {e}"),
            strategy: None,
        }]))
    })?;
    Ok((text, touched))
}

/// The scenario text with `overrides` applied, as TOML (comments and
/// layout are not kept). Validate it with [`crate::Scenario::from_toml`].
pub fn apply_to_text(
    src: &str,
    file: &str,
    overrides: &[Override],
) -> Result<String, ScenarioError> {
    match apply_to_source(src, overrides) {
        Ok((text, _)) => Ok(text),
        Err(ApplyError::Invalid(e)) => Err(e),
        Err(ApplyError::Syntax(e)) => Err(ScenarioError::Invalid(vec![
            super::diag::Collector::new(file, src).syntax_error(&e),
        ])),
    }
}

// ---------------------------------------------------------------------------
// The numeric inputs of a scenario (for sensitivity analyses).

/// A number of a scenario that an override can change.
#[derive(Debug, Clone, PartialEq)]
pub struct NumericInput {
    /// The key, with entries named by id or name where they are unique
    /// (`stations[hefang].officers`), else by position.
    pub key: String,
    /// The value in effect (the default when the file leaves it out).
    pub value: f64,
    /// Whether the key takes whole numbers only.
    pub integer: bool,
    /// Whether the file sets it (`false`: a default).
    pub in_file: bool,
    /// A run setting rather than a model input (`scenario.days`,
    /// `scenario.warmup_days`, `scenario.replications`, `scenario.seed`).
    pub control: bool,
}

/// Run settings that are not model inputs.
const CONTROL_KEYS: [&str; 4] = [
    "scenario.days",
    "scenario.warmup_days",
    "scenario.replications",
    "scenario.seed",
];

/// Every number of the scenario text, including defaults of keys the file
/// leaves out, in file order. Lists of plain numbers (hourly and weekly
/// profiles, empirical samples) are left out: they are not single inputs.
///
/// ```
/// let text = "[scenario]\nname = \"x\"\ndays = 3\n[[stations]]\nid = \"a\"\nx_km = 0\ny_km = 0\nofficers = 4\n[[demand]]\nx_km = 1\ny_km = 0\nweight = 1\n[incidents]\nper_day = 10\n[[incidents.kinds]]\nname = \"general\"\nshare = 1\non_scene = { dist = \"fixed\", value = 30 }\n[strategies.per_station]\nunits = 1\n";
/// let inputs = policesim::scenario::overrides::numeric_inputs(text, "x.toml").unwrap();
/// let get = |k: &str| inputs.iter().find(|i| i.key == k).unwrap().clone();
/// assert_eq!(get("stations[a].officers").value, 4.0);
/// assert_eq!(get("incidents.kinds[general].on_scene.value").value, 30.0);
/// assert_eq!(get("travel.speed_kmh").value, 40.0);
/// assert!(!get("travel.speed_kmh").in_file);
/// assert!(get("scenario.days").control);
/// ```
pub fn numeric_inputs(src: &str, file: &str) -> Result<Vec<NumericInput>, ScenarioError> {
    let doc: toml::Table = toml::from_str(src).map_err(|e| {
        ScenarioError::Invalid(vec![
            super::diag::Collector::new(file, src).syntax_error(&e),
        ])
    })?;
    let mut full = toml::Value::Table(doc.clone());
    // Defaults the validation step applies to keys left out.
    if let toml::Value::Table(t) = &mut full {
        let travel = t
            .entry("travel")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(travel) = travel {
            if !travel.contains_key("network") {
                travel
                    .entry("speed_kmh")
                    .or_insert(toml::Value::Float(DEFAULT_SPEED_KMH));
                travel
                    .entry("detour")
                    .or_insert(toml::Value::Float(DEFAULT_DETOUR));
            }
        }
    }
    // Serde defaults (`#[serde(default = ...)]`) come from a parse of the
    // raw types, written back out.
    let raw: RawScenario = toml::from_str(src).map_err(|e| {
        ScenarioError::Invalid(vec![Diagnostic {
            file: file.to_string(),
            line: None,
            key: String::new(),
            message: friendly_error(&e),
            strategy: None,
        }])
    })?;
    let defaults = toml::Value::try_from(&raw).map_err(|e| {
        ScenarioError::Invalid(vec![Diagnostic {
            file: file.to_string(),
            line: None,
            key: String::new(),
            message: format!("cannot list the inputs: {e}"),
            strategy: None,
        }])
    })?;
    merge_defaults(&mut full, &defaults);
    let doc = toml::Value::Table(doc);
    let mut out = Vec::new();
    walk(&full, Some(&doc), String::new(), &mut out);
    Ok(out)
}

fn friendly_error(e: &toml::de::Error) -> String {
    super::diag::friendly(e.message())
}

/// Adds the keys of `defaults` that `v` lacks (tables key by key, lists
/// entry by entry).
fn merge_defaults(v: &mut toml::Value, defaults: &toml::Value) {
    match (v, defaults) {
        (toml::Value::Table(t), toml::Value::Table(d)) => {
            for (k, dv) in d {
                match t.get_mut(k) {
                    Some(tv) => merge_defaults(tv, dv),
                    None => {
                        t.insert(k.clone(), dv.clone());
                    }
                }
            }
        }
        (toml::Value::Array(a), toml::Value::Array(d)) if a.len() == d.len() => {
            for (av, dv) in a.iter_mut().zip(d) {
                merge_defaults(av, dv);
            }
        }
        _ => {}
    }
}

fn walk(v: &toml::Value, file: Option<&toml::Value>, at: String, out: &mut Vec<NumericInput>) {
    match v {
        toml::Value::Integer(i) => out.push(input(at, *i as f64, true, file.is_some())),
        toml::Value::Float(f) => out.push(input(at, *f, false, file.is_some())),
        toml::Value::Table(t) => {
            for (k, child) in t {
                let in_file = file.and_then(|f| f.get(k));
                walk(child, in_file, join_key(&at, k), out);
            }
        }
        toml::Value::Array(items) if items.iter().all(toml::Value::is_table) => {
            let labels: Vec<Option<&str>> = items.iter().map(label).collect();
            for (i, item) in items.iter().enumerate() {
                let sel = match labels[i] {
                    Some(l)
                        if labels.iter().filter(|m| **m == Some(l)).count() == 1
                            && l.parse::<usize>().is_err()
                            && l != "*"
                            && !l.contains(['[', ']', '.', '=', ','])
                            && !l.trim().is_empty()
                            && l.trim() == l =>
                    {
                        l.to_string()
                    }
                    _ => i.to_string(),
                };
                let in_file = file.and_then(|f| f.get(i));
                walk(item, in_file, format!("{at}[{sel}]"), out);
            }
        }
        _ => {}
    }
}

fn input(key: String, value: f64, integer: bool, in_file: bool) -> NumericInput {
    let control = CONTROL_KEYS.contains(&key.as_str());
    NumericInput {
        key,
        value,
        integer,
        in_file,
        control,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lists_nested_and_optional_keys() {
        let has = |p: &str| schema().iter().any(|k| k.path == p);
        for p in [
            "scenario.target_min",
            "incidents.per_day",
            "travel.speed_kmh",
            "travel.speeds.*",
            "stations[*].units",
            "zones[*].hub",
            "zones[*].groups",
            "incidents.kinds[*].on_scene.mean",
            "incidents.kinds[*].escalation.prob",
            "strategies.zone_cooperation.groups_per_zone",
            "strategies.zone_cooperation.mobile_standby[*].posts[*].x_km",
            "map.datum",
        ] {
            assert!(has(p), "{p} missing from the schema");
        }
        let kind = |p: &str| schema().iter().find(|k| k.path == p).unwrap().kind;
        assert_eq!(kind("stations[*].units"), ValueKind::Integer);
        assert_eq!(kind("travel.speed_kmh"), ValueKind::Number);
        assert_eq!(kind("zones[*].hub"), ValueKind::Text);
        assert_eq!(kind("stations"), ValueKind::List);
    }

    #[test]
    fn keys_parse_into_parts() {
        assert_eq!(
            parse_key("incidents.kinds[general].on_scene.mean").unwrap(),
            vec![
                Seg::Key("incidents".into()),
                Seg::Key("kinds".into()),
                Seg::Select("general".into()),
                Seg::Key("on_scene".into()),
                Seg::Key("mean".into()),
            ]
        );
        assert_eq!(
            parse_key("stations[*]").unwrap(),
            vec![Seg::Key("stations".into()), Seg::Select("*".into())]
        );
        for bad in ["", "a..b", "a.", "stations[", "stations[]", "a[b]c", ".a"] {
            assert!(parse_key(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn unknown_keys_list_the_nearest() {
        let Err(OverrideError::UnknownKey { suggestions, .. }) =
            Override::parse("stations[hefang].unitz=2")
        else {
            panic!("accepted")
        };
        assert_eq!(suggestions[0], "stations[*].units");
        let Err(OverrideError::UnknownKey { suggestions, .. }) = Override::parse("target_min=12")
        else {
            panic!("accepted")
        };
        assert!(suggestions.contains(&"scenario.target_min".to_string()));
        assert!(suggestions.contains(&"demand[*].target_min".to_string()));
    }

    #[test]
    fn assignment_splits_outside_brackets() {
        assert_eq!(split_assignment("a[x=y].b=3"), Some(("a[x=y].b", "3")));
        assert_eq!(split_assignment("a.b"), None);
    }

    #[test]
    fn values_round_trip_through_their_literal() {
        for v in [
            toml::Value::Integer(3),
            toml::Value::Float(0.25),
            toml::Value::Float(30.0),
            toml::Value::String("north".into()),
            toml::Value::String("a b".into()),
            toml::Value::Boolean(true),
        ] {
            assert_eq!(parse_value(&format_value(&v)).unwrap(), v, "{v:?}");
        }
        assert_eq!(
            parse_value("true").unwrap(),
            toml::Value::Boolean(true),
            "a TOML keyword is not a bare word"
        );
    }
}
