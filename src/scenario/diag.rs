//! Errors and warnings that point at a file, a line and a key path.

use std::fmt;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line, when the key could be located.
    pub line: Option<usize>,
    /// Key path such as `stations[2].x_km` (empty for whole-file problems).
    pub key: String,
    /// What is wrong, lowercase, naming the offending value.
    pub message: String,
    /// The strategy the problem concerns, when it concerns only one: a run
    /// of other strategies (`run --strategies`) does not show it.
    pub strategy: Option<String>,
}

impl Diagnostic {
    /// Whether a run of the strategies `running` should show this: it
    /// concerns no single strategy, or one of them.
    pub fn concerns_any(&self, running: &[&str]) -> bool {
        self.strategy
            .as_deref()
            .is_none_or(|s| running.contains(&s))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong loading a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read")]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// One or more problems in the file's content.
    #[error("{}", join(.0))]
    Invalid(Vec<Diagnostic>),
}

fn join(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ScenarioError {
    /// The individual problems (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid(d) => d,
        }
    }
}

/// Finds the line of a key path in the TOML source.
pub(crate) struct Locator<'a> {
    src: &'a str,
    root: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self {
            src,
            root: DeTable::parse(src).ok(),
        }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    /// Line of the deepest part of `path` (`a.b[2].c`) present in the file.
    pub(crate) fn line(&self, path: &str) -> Option<usize> {
        let root = self.root.as_ref()?;
        let mut span = None;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        let mut value: Option<&Spanned<DeValue<'_>>> = None;
        for segment in split_path(path) {
            match segment {
                Segment::Key(k) => {
                    let t = match (table, value.map(|v| v.get_ref())) {
                        (Some(t), None) => t,
                        (_, Some(DeValue::Table(t))) => t,
                        _ => break,
                    };
                    let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref().as_ref() == k)
                    else {
                        break;
                    };
                    span = Some(key.span().start);
                    table = None;
                    value = Some(v);
                }
                Segment::Index(i) => {
                    let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                        break;
                    };
                    let Some(item) = items.get(i) else { break };
                    span = Some(item.span().start);
                    value = Some(item);
                }
            }
        }
        span.map(|s| self.line_of(s))
    }
}

enum Segment<'p> {
    Key(&'p str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push(Segment::Key(name));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

/// Collects diagnostics for one file while validating it.
pub(crate) struct Collector<'a> {
    file: String,
    locator: Locator<'a>,
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
    /// Whether serde's spans point into the located source (not when the
    /// text deserialised is the source with `--set` overrides applied).
    spans_valid: bool,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(file: &str, src: &'a str) -> Self {
        Self {
            file: file.to_string(),
            locator: Locator::new(src),
            errors: Vec::new(),
            warnings: Vec::new(),
            spans_valid: true,
        }
    }

    fn make(&self, key: &str, message: String) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: self.locator.line(key),
            key: key.to_string(),
            message,
            strategy: None,
        }
    }

    /// Locates serde errors by key path only: the text deserialised is not
    /// the located source.
    pub(crate) fn spans_point_elsewhere(&mut self) {
        self.spans_valid = false;
    }

    /// Records an error at `key`.
    pub(crate) fn error(&mut self, key: impl AsRef<str>, message: impl Into<String>) {
        let d = self.make(key.as_ref(), message.into());
        self.errors.push(d);
    }

    /// Records a warning at `key`.
    pub(crate) fn warn(&mut self, key: impl AsRef<str>, message: impl Into<String>) {
        let d = self.make(key.as_ref(), message.into());
        self.warnings.push(d);
    }

    /// Records a warning at `key` on a known `line`.
    pub(crate) fn warn_at_line(&mut self, line: usize, key: &str, message: impl Into<String>) {
        let mut d = self.make(key, message.into());
        d.line = Some(line);
        self.warnings.push(d);
    }

    /// Number of warnings so far (see [`Collector::tag_warnings_since`]).
    pub(crate) fn warning_count(&self) -> usize {
        self.warnings.len()
    }

    /// Marks the warnings recorded since `since` as concerning `strategy`
    /// alone.
    pub(crate) fn tag_warnings_since(&mut self, since: usize, strategy: &str) {
        for w in self.warnings.iter_mut().skip(since) {
            w.strategy.get_or_insert_with(|| strategy.to_string());
        }
    }

    /// Turns a serde error into a diagnostic, with friendlier type names.
    pub(crate) fn serde_error(
        &self,
        err: serde_path_to_error::Error<toml::de::Error>,
    ) -> Diagnostic {
        let path = err.path().to_string();
        let inner = err.inner();
        let line = inner
            .span()
            .filter(|_| self.spans_valid)
            .map(|s| self.locator.line_of(s.start));
        let key = if path == "." { String::new() } else { path };
        let message = super::limits::overflow_message(&key, inner.message())
            .unwrap_or_else(|| friendly(inner.message()));
        Diagnostic {
            file: self.file.clone(),
            line: line.or_else(|| self.locator.line(&key)),
            key,
            message,
            strategy: None,
        }
    }

    /// A parse error (bad TOML syntax) with its line.
    pub(crate) fn syntax_error(&self, err: &toml::de::Error) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: err.span().map(|s| self.locator.line_of(s.start)),
            key: String::new(),
            message: format!("invalid TOML: {}", err.message().trim()),
            strategy: None,
        }
    }
}

/// Rewrites serde's "invalid type: string \"abc\", expected f64" as
/// "expected a number, found string \"abc\"".
pub(crate) fn friendly(message: &str) -> String {
    let message = message.trim();
    let rename = |t: &str| -> String {
        match t {
            "f64" | "f32" => "a number".into(),
            "u32" | "u64" | "usize" | "u16" | "u8" => "a whole number >= 0".into(),
            "i64" | "i32" => "a whole number".into(),
            "a boolean" | "bool" => "true or false".into(),
            other => other.to_string(),
        }
    };
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!("expected {}, found {found}", rename(expected));
        }
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!("expected {}, found {found}", rename(expected));
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "[scenario]\nname = \"x\"\n\n[[stations]]\nid = \"a\"\n\n[[stations]]\nid = \"b\"\nx_km = 3\n\n[incidents]\nkinds = [ { name = \"g\" },\n  { name = \"h\" } ]\n";

    #[test]
    fn locates_nested_keys_and_array_items() {
        let loc = Locator::new(SRC);
        assert_eq!(loc.line("scenario.name"), Some(2));
        assert_eq!(loc.line("stations[1].x_km"), Some(9));
        assert_eq!(loc.line("stations[1].missing"), Some(7));
        assert_eq!(loc.line("incidents.kinds[1].name"), Some(13));
        assert_eq!(loc.line("nothing"), None);
    }

    #[test]
    fn friendly_messages_name_the_expected_type() {
        assert_eq!(
            friendly("invalid type: string \"abc\", expected f64"),
            "expected a number, found string \"abc\""
        );
    }
}
