//! Output folders and files written whole, or not at all.
//!
//! A run never writes into its output folder. It builds a hidden temporary
//! sibling, `.NAME.policesim-tmp-PID-N`, and only when every file in it is
//! written and flushed does [`OutputDir::commit`] swap it in with renames:
//! the previous folder moves aside to `.NAME.policesim-old-PID-N`, the new one
//! takes its name, and the previous one is removed. If the second rename
//! fails the first is undone, so the previous folder is exactly as it was. A
//! run that fails or is dropped before its commit removes its temporary
//! folder; [`interrupt`], called when a signal arrives, removes every
//! temporary folder of the process and blocks later commits. Temporary
//! folders left by a process that was killed outright are removed by the next
//! run that writes beside them.
//!
//! The same holds for single files ([`write_file`]): a temporary sibling,
//! renamed over the target once complete.
//!
//! This module is a bottom-layer utility: it knows nothing of scenarios or
//! results.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Name of the marker file in every output folder policesim writes. A
/// non-empty folder without it (or without `summary.json`, for folders from
/// before the marker) is never replaced.
pub const MARKER: &str = ".policesim";

/// What the marker file says.
const MARKER_TEXT: &str = concat!(
    "This folder was written by policesim ",
    env!("CARGO_PKG_VERSION"),
    ".\nA new run into it replaces the whole folder: files added here are removed then.\n"
);

/// An output folder or file that cannot be written, with the path the user
/// gave and the reason, each said once: `out/x: is a file, not a folder`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct FolderError {
    /// The folder or file concerned, as the user named it.
    pub path: PathBuf,
    /// What is wrong, in words.
    pub message: String,
}

impl FolderError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    fn io(path: &Path, err: &io::Error) -> Self {
        Self::new(path, describe_io(err))
    }
}

/// An I/O error in words, without repeating the path (the caller names it).
pub fn describe_io(err: &io::Error) -> String {
    use io::ErrorKind as K;
    match err.kind() {
        K::NotFound => "does not exist".into(),
        K::PermissionDenied => "permission denied".into(),
        K::AlreadyExists => "already exists".into(),
        K::NotADirectory => "is a file, not a folder".into(),
        K::IsADirectory => "is a folder, not a file".into(),
        K::DirectoryNotEmpty => "folder is not empty".into(),
        K::StorageFull => "no space left on the device".into(),
        K::ReadOnlyFilesystem => "the file system is read-only".into(),
        K::QuotaExceeded => "disk quota exceeded".into(),
        K::InvalidFilename => "the name is too long or not allowed".into(),
        _ => err.to_string(),
    }
}

/// Something this process has on disk that must go if it is interrupted.
#[derive(Debug)]
struct Pending {
    /// The temporary (or moved-aside old) folder or file.
    path: PathBuf,
    /// Folders created on the way to the target, deepest last; removed when
    /// empty.
    ancestors: Vec<PathBuf>,
}

#[derive(Debug)]
struct Registry {
    pending: Vec<Pending>,
    interrupted: bool,
    committed: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    pending: Vec::new(),
    interrupted: false,
    committed: Vec::new(),
});

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn unregister(path: &Path) {
    registry().pending.retain(|p| p.path != path);
}

/// What [`interrupt`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interrupted {
    /// Temporary folders and files removed.
    pub removed: Vec<PathBuf>,
    /// Outputs this process had already committed whole (as the user named
    /// them).
    pub committed: Vec<PathBuf>,
}

/// Stops all output of this process: removes every temporary folder and
/// file, and makes every later [`OutputDir::commit`] and [`write_file`] fail.
/// Meant for the signal handler, which exits right after. A commit in
/// progress finishes first, so an output is either whole or untouched.
pub fn interrupt() -> Interrupted {
    let mut reg = registry();
    reg.interrupted = true;
    let mut removed = Vec::new();
    for p in std::mem::take(&mut reg.pending) {
        // The main thread may still be creating files in it: retry.
        for _ in 0..20 {
            if remove_any(&p.path).is_ok() {
                break;
            }
        }
        remove_empty(&p.ancestors);
        removed.push(p.path);
    }
    Interrupted {
        removed,
        committed: reg.committed.clone(),
    }
}

/// Removes a file or folder tree; a path that is already gone is fine.
fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    }
}

/// Removes the folders, deepest first, as long as they are empty.
fn remove_empty(ancestors: &[PathBuf]) {
    for a in ancestors.iter().rev() {
        if fs::remove_dir(a).is_err() {
            break;
        }
    }
}

/// A hidden sibling name of `real`: `.NAME.policesim-KIND-PID-N`.
fn sibling(real: &Path, kind: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = OsString::from(".");
    name.push(real.file_name().unwrap_or_default());
    name.push(format!(".policesim-{kind}-{}-{n}", std::process::id()));
    real.with_file_name(name)
}

/// Whether a process with this id runs. Without `/proc` nobody can tell, so
/// it is taken to run (nothing is removed).
fn process_runs(pid: u32) -> bool {
    let proc_fs = Path::new("/proc");
    if !proc_fs.join("self").exists() {
        return true;
    }
    proc_fs.join(pid.to_string()).exists()
}

/// The parts of a temporary or moved-aside name:
/// `.NAME.policesim-KIND-PID-N` → (NAME, KIND, PID).
fn parse_sibling(name: &str) -> Option<(&str, &str, u32)> {
    let rest = name.strip_prefix('.')?;
    let (base, tail) = rest.rsplit_once(".policesim-")?;
    let mut parts = tail.split('-');
    let kind = parts.next()?;
    let pid = parts.next()?.parse().ok()?;
    parts.next()?.parse::<u64>().ok()?;
    if parts.next().is_some() || !matches!(kind, "tmp" | "old") || base.is_empty() {
        return None;
    }
    Some((base, kind, pid))
}

/// Removes what killed runs left in `parent`: temporary folders and files of
/// processes that no longer run. A moved-aside previous folder whose
/// replacement never arrived is put back.
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((base, kind, pid)) = name.to_str().and_then(parse_sibling) else {
            continue;
        };
        if pid == me || process_runs(pid) {
            continue;
        }
        let path = entry.path();
        let original = parent.join(base);
        if kind == "old" && fs::symlink_metadata(&original).is_err() {
            let _ = fs::rename(&path, &original);
        } else {
            let _ = remove_any(&path);
        }
    }
}

/// `path` made absolute and free of `.` and `..`, resolving symbolic links in
/// the part that exists. Errors when a part of it is a file.
fn resolve_folder(target: &Path) -> Result<PathBuf, FolderError> {
    if target.as_os_str().is_empty() {
        return Err(FolderError::new(target, "an empty name is not a folder"));
    }
    // The longest existing prefix of the path as given.
    let mut existing = None;
    for anc in target.ancestors() {
        let probe = if anc.as_os_str().is_empty() {
            Path::new(".")
        } else {
            anc
        };
        match fs::metadata(probe) {
            Ok(m) if m.is_dir() => {
                existing = Some(anc);
                break;
            }
            Ok(_) if anc == target => {
                return Err(FolderError::new(target, "is a file, not a folder"));
            }
            Ok(_) => {
                return Err(FolderError::new(
                    target,
                    format!(
                        "cannot create folder: {} is a file, not a folder",
                        anc.display()
                    ),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {}
            Err(e) => return Err(FolderError::io(probe, &e)),
        }
    }
    let existing = existing.unwrap_or(Path::new(""));
    let base = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    let mut real = fs::canonicalize(base).map_err(|e| FolderError::io(base, &e))?;
    let rest = target.strip_prefix(existing).unwrap_or(target);
    for c in rest.components() {
        match c {
            Component::Normal(part) => real.push(part),
            Component::ParentDir => {
                real.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    if real.file_name().is_none() || real.parent().is_none() {
        return Err(FolderError::new(target, "cannot be an output folder"));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize)
        && cwd.starts_with(&real)
    {
        return Err(FolderError::new(
            target,
            "is the current folder or contains it; choose another output folder",
        ));
    }
    Ok(real)
}

/// Whether an existing folder may be replaced: it is empty, or policesim
/// wrote it (the marker, or `summary.json` from before the marker).
fn check_replaceable(target: &Path, real: &Path) -> Result<(), FolderError> {
    let meta = match fs::symlink_metadata(real) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FolderError::io(target, &e)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(FolderError::new(target, "is a file, not a folder"));
    }
    if real.join(MARKER).is_file() || real.join("summary.json").is_file() {
        return Ok(());
    }
    let mut entries = fs::read_dir(real).map_err(|e| FolderError::io(target, &e))?;
    if entries.next().is_none() {
        return Ok(());
    }
    Err(FolderError::new(
        target,
        format!(
            "holds other files and is not a policesim output folder (no {MARKER} or summary.json), \
             so it is not replaced; choose a new or empty folder"
        ),
    ))
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An output folder being written: files go into a hidden temporary
/// sibling until [`OutputDir::commit`] swaps it in whole. Dropping it
/// uncommitted removes the temporary folder and leaves the target as it was.
#[derive(Debug)]
pub struct OutputDir {
    /// The target as the user named it (for messages and `wrote` lines).
    target: PathBuf,
    /// The target, absolute and resolved.
    real: PathBuf,
    /// The temporary folder.
    tmp: PathBuf,
    /// Files written, relative to the folder, in order.
    written: Vec<PathBuf>,
    /// Folders created on the way to the target.
    ancestors: Vec<PathBuf>,
    done: bool,
    /// Start `.csv` files with a UTF-8 byte-order mark.
    csv_bom: bool,
    /// Makes the swap's second rename fail, to test the way back.
    #[cfg(test)]
    fail_swap: bool,
}

impl OutputDir {
    /// Checks that `target` can become a new output folder and starts one.
    ///
    /// Refused, before any work: a target that is a file, or below a file;
    /// an existing non-empty folder that policesim did not write; a parent
    /// folder that cannot be written. Missing parent folders are created
    /// (and removed again if nothing is committed). Temporary folders of
    /// killed runs beside the target are removed.
    pub fn create(target: &Path) -> Result<Self, FolderError> {
        let real = resolve_folder(target)?;
        check_replaceable(target, &real)?;
        Self::start(target, real)
    }

    /// Starts replacing part of the existing output folder `target`: the new
    /// folder begins as a copy (hard links where possible) of every entry of
    /// the old one except the top-level names in `redrawn`, which the caller
    /// writes anew. `policesim chart` uses it to redraw `charts/` and
    /// `report.html` while keeping the data files.
    pub fn update(target: &Path, redrawn: &[&str]) -> Result<Self, FolderError> {
        let real = resolve_folder(target)?;
        if !real.is_dir() {
            return Err(FolderError::new(target, "does not exist"));
        }
        if !real.join(MARKER).is_file() && !real.join("summary.json").is_file() {
            return Err(FolderError::new(
                target,
                "is not a policesim output folder (it has no summary.json)",
            ));
        }
        let out = Self::start(target, real)?;
        let entries = fs::read_dir(&out.real).map_err(|e| FolderError::io(target, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| FolderError::io(target, &e))?;
            let name = entry.file_name();
            let s = name.to_string_lossy();
            // Staged files of older versions are debris, not data.
            let debris = s.starts_with('.') && (s.ends_with(".partial") || s.contains(".partial."));
            if redrawn.iter().any(|r| name == **r) || name == MARKER || debris {
                continue;
            }
            copy_tree(&entry.path(), &out.tmp.join(&name), &target.join(&name))?;
        }
        Ok(out)
    }

    fn start(target: &Path, real: PathBuf) -> Result<Self, FolderError> {
        let parent = real.parent().expect("resolve_folder gives a parent");
        let mut ancestors = Vec::new();
        for anc in parent.ancestors() {
            if anc.exists() {
                break;
            }
            ancestors.push(anc.to_path_buf());
        }
        ancestors.reverse();
        for a in &ancestors {
            if let Err(e) = fs::create_dir(a) {
                remove_empty(&ancestors);
                return Err(FolderError::new(
                    target,
                    format!("cannot create folder {}: {}", a.display(), describe_io(&e)),
                ));
            }
        }
        remove_stale(parent);
        let mut reg = registry();
        if reg.interrupted {
            drop(reg);
            remove_empty(&ancestors);
            return Err(FolderError::new(target, "interrupted; nothing was written"));
        }
        let tmp = loop {
            let tmp = sibling(&real, "tmp");
            match fs::create_dir(&tmp) {
                Ok(()) => break tmp,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    drop(reg);
                    remove_empty(&ancestors);
                    return Err(FolderError::new(
                        target,
                        format!("cannot write in {}: {}", parent.display(), describe_io(&e)),
                    ));
                }
            }
        };
        reg.pending.push(Pending {
            path: tmp.clone(),
            ancestors: ancestors.clone(),
        });
        drop(reg);
        let out = Self {
            target: target.to_path_buf(),
            real,
            tmp,
            written: Vec::new(),
            ancestors,
            done: false,
            csv_bom: false,
            #[cfg(test)]
            fail_swap: false,
        };
        fs::write(out.tmp.join(MARKER), MARKER_TEXT)
            .map_err(|e| FolderError::io(&out.target.join(MARKER), &e))?;
        Ok(out)
    }

    /// The folder as the user named it.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where `rel` will be once committed, as the user would name it (for
    /// messages).
    pub fn final_path(&self, rel: &str) -> PathBuf {
        self.target.join(rel)
    }

    /// A path inside the temporary folder for a writer that wants a path
    /// rather than a stream (a PNG encoder, say): subfolders are created, and
    /// `rel` counts as written. The caller must create the file there.
    pub fn path_for(&mut self, rel: &str) -> Result<PathBuf, FolderError> {
        let rel_path = Path::new(rel);
        debug_assert!(
            rel_path
                .components()
                .all(|c| matches!(c, Component::Normal(_))),
            "output paths are plain relative paths"
        );
        // One level at a time, never `create_dir_all`: once `interrupt` has
        // removed the temporary folder, nothing may create it again.
        let mut dir = self.tmp.clone();
        if let Some(parent) = rel_path.parent() {
            for c in parent.components() {
                dir.push(c);
                match fs::create_dir(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        return Err(FolderError::io(&self.final_path(rel), &e));
                    }
                }
            }
        }
        self.written.push(rel_path.to_path_buf());
        Ok(self.tmp.join(rel_path))
    }

    /// With `on`, every `.csv` file written through [`OutputDir::file`]
    /// starts with a UTF-8 byte-order mark (EF BB BF), so that Excel and WPS
    /// on Chinese Windows read the file as UTF-8 instead of the local code
    /// page. `csv` readers, pandas and QGIS skip the mark.
    pub fn with_csv_bom(mut self, on: bool) -> Self {
        self.csv_bom = on;
        self
    }

    /// Writes the file `rel` (subfolders allowed, `charts/map.svg`) through a
    /// buffered writer, and flushes it. Errors from `write` are the caller's;
    /// opening and flushing errors name the file's final path. A `.csv` file
    /// starts with a byte-order mark when [`OutputDir::with_csv_bom`] asked
    /// for one.
    pub fn file<E: From<FolderError>>(
        &mut self,
        rel: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
    ) -> Result<PathBuf, E> {
        let path = self.path_for(rel)?;
        let shown = self.final_path(rel);
        let file = File::create_new(&path).map_err(|e| FolderError::io(&shown, &e))?;
        let mut w = BufWriter::new(file);
        if self.csv_bom && rel.ends_with(".csv") {
            w.write_all(BOM).map_err(|e| FolderError::io(&shown, &e))?;
        }
        write(&mut w)?;
        w.flush().map_err(|e| FolderError::io(&shown, &e))?;
        Ok(shown)
    }

    /// Swaps the new folder in whole and returns the files written (as the
    /// user would name them). The previous folder, if any, is removed; if the
    /// swap fails it is put back exactly as it was.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, FolderError> {
        let mut reg = registry();
        if reg.interrupted {
            return Err(FolderError::new(
                &self.target,
                "interrupted; nothing was written",
            ));
        }
        // The target may have changed since the checks.
        check_replaceable(&self.target, &self.real)?;
        // On disk before the swap, so that after a power loss the folder is
        // the old one or the whole new one, never new names over empty files.
        for rel in &self.written {
            sync(&self.tmp.join(rel)).map_err(|e| FolderError::io(&self.target.join(rel), &e))?;
        }
        sync(&self.tmp).map_err(|e| FolderError::io(&self.target, &e))?;
        let old = if fs::symlink_metadata(&self.real).is_ok() {
            let old = sibling(&self.real, "old");
            fs::rename(&self.real, &old).map_err(|e| {
                FolderError::new(
                    &self.target,
                    format!("cannot replace the folder: {}", describe_io(&e)),
                )
            })?;
            Some(old)
        } else {
            None
        };
        #[cfg(not(test))]
        let swapped = fs::rename(&self.tmp, &self.real);
        #[cfg(test)]
        let swapped = if self.fail_swap {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        } else {
            fs::rename(&self.tmp, &self.real)
        };
        if let Err(e) = swapped {
            let mut message = format!("cannot replace the folder: {}", describe_io(&e));
            if let Some(old) = &old
                && let Err(back) = fs::rename(old, &self.real)
            {
                message = format!(
                    "{message}; the previous folder could not be put back ({}) and is at {}",
                    describe_io(&back),
                    old.display()
                );
            }
            return Err(FolderError::new(&self.target, message));
        }
        self.done = true;
        if let Some(parent) = self.real.parent() {
            // Best effort: the renames reach the disk.
            let _ = sync(parent);
        }
        let tmp = self.tmp.clone();
        reg.pending.retain(|p| p.path != tmp);
        reg.committed.push(self.target.clone());
        if let Some(old) = &old {
            reg.pending.push(Pending {
                path: old.clone(),
                ancestors: Vec::new(),
            });
        }
        drop(reg);
        if let Some(old) = old {
            // If this fails, the next run beside it removes it.
            let _ = fs::remove_dir_all(&old);
            unregister(&old);
        }
        Ok(self.written.iter().map(|r| self.target.join(r)).collect())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let _ = remove_any(&self.tmp);
        unregister(&self.tmp);
        remove_empty(&self.ancestors);
    }
}

/// Flushes a file's or folder's data to the disk. Folders cannot be synced
/// on every system; only files' errors count there.
fn sync(path: &Path) -> io::Result<()> {
    match File::open(path).and_then(|f| f.sync_all()) {
        Err(_) if cfg!(not(unix)) && path.is_dir() => Ok(()),
        r => r,
    }
}

/// Copies `src` to `dst`: folders recursively, files as hard links where the
/// file system allows, else as copies. `shown` names `src` in errors.
fn copy_tree(src: &Path, dst: &Path, shown: &Path) -> Result<(), FolderError> {
    let meta = fs::symlink_metadata(src).map_err(|e| FolderError::io(shown, &e))?;
    if meta.is_dir() {
        fs::create_dir(dst).map_err(|e| FolderError::io(shown, &e))?;
        for entry in fs::read_dir(src).map_err(|e| FolderError::io(shown, &e))? {
            let entry = entry.map_err(|e| FolderError::io(shown, &e))?;
            let name = entry.file_name();
            copy_tree(&entry.path(), &dst.join(&name), &shown.join(&name))?;
        }
        return Ok(());
    }
    if meta.is_file() && fs::hard_link(src, dst).is_ok() {
        return Ok(());
    }
    fs::copy(src, dst)
        .map(drop)
        .map_err(|e| FolderError::io(shown, &e))
}

/// Writes the single file `path` whole or not at all: into a hidden
/// temporary sibling, renamed over `path` once written and flushed. The
/// folder must exist; `path` must not be a folder.
pub fn write_file<E: From<FolderError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = start_file(path)?;
    let result = (|| {
        let file = File::create_new(&tmp).map_err(|e| FolderError::io(path, &e))?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        w.flush().map_err(|e| FolderError::io(path, &e))?;
        w.get_ref()
            .sync_all()
            .map_err(|e| FolderError::io(path, &e))?;
        drop(w);
        let mut reg = registry();
        if reg.interrupted {
            return Err(FolderError::new(path, "interrupted; nothing was written").into());
        }
        fs::rename(&tmp, path).map_err(|e| FolderError::io(path, &e))?;
        reg.committed.push(path.to_path_buf());
        Ok(())
    })();
    if remove_any(&tmp).is_ok() {
        unregister(&tmp);
    }
    result
}

/// Checks `path` can be written as a file and registers its temporary name.
fn start_file(path: &Path) -> Result<PathBuf, FolderError> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(FolderError::new(path, "is not a file name"));
    }
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(FolderError::new(path, "is a folder, not a file"));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match fs::metadata(parent) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(FolderError::new(
                path,
                format!(
                    "cannot create file: {} is a file, not a folder",
                    parent.display()
                ),
            ));
        }
        Err(e) => {
            return Err(FolderError::new(
                path,
                format!(
                    "cannot create file: folder {} {}",
                    parent.display(),
                    describe_io(&e)
                ),
            ));
        }
    }
    remove_stale(parent);
    let mut reg = registry();
    if reg.interrupted {
        return Err(FolderError::new(path, "interrupted; nothing was written"));
    }
    let tmp = sibling(path, "tmp");
    reg.pending.push(Pending {
        path: tmp.clone(),
        ancestors: Vec::new(),
    });
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry below `dir`, hidden ones included, with file contents.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                if p.is_dir() {
                    stack.push(p);
                    out.push((rel, None));
                } else {
                    out.push((rel, Some(fs::read(&p).unwrap())));
                }
            }
        }
        out.sort();
        out
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn write_str(out: &mut OutputDir, rel: &str, text: &str) {
        out.file(rel, |w| {
            w.write_all(text.as_bytes())
                .map_err(|e| FolderError::io(Path::new(rel), &e))
        })
        .unwrap();
    }

    #[test]
    fn a_commit_replaces_the_whole_folder() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let mut first = OutputDir::create(&target).unwrap();
        write_str(&mut first, "a.csv", "1");
        write_str(&mut first, "charts/map.png", "png");
        let wrote = first.commit().unwrap();
        assert_eq!(
            wrote,
            vec![target.join("a.csv"), target.join("charts/map.png")]
        );
        let mut second = OutputDir::create(&target).unwrap();
        write_str(&mut second, "a.csv", "2");
        second.commit().unwrap();
        assert_eq!(names(&target), vec![MARKER.to_string(), "a.csv".into()]);
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "2");
        assert_eq!(names(root.path()), vec!["out".to_string()]);
    }

    #[test]
    fn a_failed_write_leaves_the_previous_folder_as_it_was() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let mut first = OutputDir::create(&target).unwrap();
        write_str(&mut first, "a.csv", "1");
        first.commit().unwrap();
        let before = snapshot(root.path());
        {
            let mut second = OutputDir::create(&target).unwrap();
            write_str(&mut second, "a.csv", "2");
            let failed: Result<PathBuf, FolderError> = second.file("b.csv", |_| {
                Err(FolderError::new(Path::new("b.csv"), "broken"))
            });
            assert_eq!(failed.unwrap_err().message, "broken");
        }
        assert_eq!(snapshot(root.path()), before);
    }

    #[test]
    fn a_failed_swap_puts_the_previous_folder_back() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let mut first = OutputDir::create(&target).unwrap();
        write_str(&mut first, "a.csv", "1");
        first.commit().unwrap();
        let before = snapshot(root.path());
        let mut second = OutputDir::create(&target).unwrap();
        write_str(&mut second, "a.csv", "2");
        // The old folder is already renamed aside when this fails.
        second.fail_swap = true;
        let err = second.commit().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: cannot replace the folder: no space left on the device",
                target.display()
            )
        );
        assert_eq!(snapshot(root.path()), before);
    }

    #[test]
    fn a_vanished_temporary_folder_fails_the_commit_and_keeps_the_previous_folder() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let mut first = OutputDir::create(&target).unwrap();
        write_str(&mut first, "a.csv", "1");
        first.commit().unwrap();
        let before = snapshot(root.path());
        let mut second = OutputDir::create(&target).unwrap();
        write_str(&mut second, "a.csv", "2");
        fs::remove_dir_all(&second.tmp).unwrap();
        let err = second.commit().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: does not exist", target.join("a.csv").display())
        );
        assert_eq!(snapshot(root.path()), before);
    }

    #[test]
    fn files_and_foreign_folders_are_refused_before_any_work() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("outfile");
        fs::write(&file, "x").unwrap();
        let err = OutputDir::create(&file).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: is a file, not a folder", file.display())
        );
        let below = file.join("sub");
        let err = OutputDir::create(&below).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: cannot create folder: {} is a file, not a folder",
                below.display(),
                file.display()
            )
        );
        let foreign = root.path().join("photos");
        fs::create_dir(&foreign).unwrap();
        fs::write(foreign.join("cat.jpg"), "meow").unwrap();
        let err = OutputDir::create(&foreign).unwrap_err();
        assert!(
            err.message.contains("not a policesim output folder"),
            "{err}"
        );
        assert_eq!(
            names(root.path()),
            vec!["outfile".to_string(), "photos".into()]
        );
        assert_eq!(names(&foreign), vec!["cat.jpg".to_string()]);
    }

    #[test]
    fn missing_parents_are_created_and_removed_again_without_a_commit() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("a/b/out");
        let out = OutputDir::create(&target).unwrap();
        assert!(root.path().join("a/b").is_dir());
        drop(out);
        assert!(names(root.path()).is_empty());
    }

    #[test]
    fn stale_temporary_folders_of_dead_processes_are_removed() {
        let root = tempfile::tempdir().unwrap();
        // Process ids are below 2^22 on Linux; this one cannot run.
        let dead = 4_294_967_000u32;
        let stale = root.path().join(format!(".out.policesim-tmp-{dead}-3"));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("summary.csv"), "half").unwrap();
        let stale_file = root.path().join(format!(".x.csv.policesim-tmp-{dead}-0"));
        fs::write(&stale_file, "half").unwrap();
        let unrelated = root.path().join(".keep.policesim-tmp-notapid-1");
        fs::create_dir(&unrelated).unwrap();
        let mut out = OutputDir::create(&root.path().join("out")).unwrap();
        write_str(&mut out, "a.csv", "1");
        out.commit().unwrap();
        if Path::new("/proc/self").exists() {
            assert_eq!(
                names(root.path()),
                vec![".keep.policesim-tmp-notapid-1".to_string(), "out".into()]
            );
        }
    }

    #[test]
    fn an_update_keeps_the_data_and_replaces_the_redrawn_parts() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let mut first = OutputDir::create(&target).unwrap();
        write_str(&mut first, "summary.json", "{}");
        write_str(&mut first, "sub/keep.csv", "k");
        write_str(&mut first, "charts/old.png", "old");
        write_str(&mut first, "report.html", "old");
        first.commit().unwrap();
        fs::write(target.join(".summary.csv.partial"), "debris").unwrap();
        let mut up = OutputDir::update(&target, &["charts", "report.html"]).unwrap();
        write_str(&mut up, "charts/map.svg", "new");
        let wrote = up.commit().unwrap();
        assert_eq!(wrote, vec![target.join("charts/map.svg")]);
        let snap = snapshot(&target);
        let rels: Vec<_> = snap.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            rels,
            vec![
                MARKER,
                "charts",
                "charts/map.svg",
                "sub",
                "sub/keep.csv",
                "summary.json"
            ]
        );
    }

    #[test]
    fn write_file_replaces_a_file_whole_and_refuses_folders() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("s.csv");
        fs::write(&path, "old").unwrap();
        let failed: Result<(), FolderError> = write_file(&path, |w| {
            w.write_all(b"half").unwrap();
            Err(FolderError::new(&path, "broken"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(names(root.path()), vec!["s.csv".to_string()]);
        write_file(&path, |w| {
            w.write_all(b"new").map_err(|e| FolderError::io(&path, &e))
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let err = write_file(root.path(), |_| Ok::<(), FolderError>(())).unwrap_err();
        assert_eq!(err.message, "is a folder, not a file");
    }

    #[test]
    fn sibling_names_parse_back() {
        assert_eq!(
            parse_sibling(".out.policesim-tmp-12-0"),
            Some(("out", "tmp", 12))
        );
        assert_eq!(
            parse_sibling(".a.b.policesim-old-7-3"),
            Some(("a.b", "old", 7))
        );
        assert_eq!(parse_sibling(".out.policesim-new-7-3"), None);
        assert_eq!(parse_sibling("out.policesim-tmp-7-3"), None);
        assert_eq!(parse_sibling(".out.policesim-tmp-7"), None);
    }
}
