"""Find a batch's videos and give each a safe, unique output folder name.

INPUT is a folder (searched recursively), a glob pattern, a manifest CSV or a single
video. Manifest columns: ``video`` (required; relative to the manifest's folder or
absolute), ``subject_id`` (or ``patient_id``), ``session_date``, ``view``, ``height_cm``,
``treadmill``, ``notes``, ``start_s``, ``end_s``, ``slowmo`` (a factor or ``auto``),
``anonymize`` (yes/no: this video's face blurring); any
other column is passed through to the summary unchanged.
"""

from __future__ import annotations

import csv
import datetime as _dt
import glob
import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gaitcheck.errors import InputError
from gaitcheck.validation import check_number, check_options

VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v")
VIEWS = ("side", "side-left", "side-right", "front", "back", "oblique")
#: Names inside the batch output folder that a video's folder must never take.
RESERVED_NAMES = ("summary.csv", "summary.json", "batch.log", ".partial", ".batch.lock")
#: Manifest columns with a meaning; the rest pass through to the summary as text.
KNOWN_COLUMNS = ("video", "subject_id", "session_date", "view", "height_cm", "treadmill",
                 "notes", "start_s", "end_s", "slowmo", "anonymize")
_ALIASES = {"patient_id": "subject_id", "start": "start_s", "end": "end_s"}
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")
# Characters Windows and SMB shares refuse in names; clinics often write outputs there.
_UNSAFE_CHARS = frozenset('/\\:*?"<>|')
_WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))})
_NAME_MAX_BYTES = 120  # well under the 255-byte limit, leaving room for "-<hash>-<n>"


@dataclass(frozen=True)
class VideoEntry:
    """One video of a batch.

    Attributes
    ----------
    path : Path
        Absolute path of the video.
    rel : str
        Path relative to the input root (folder, glob prefix or manifest folder), or the
        absolute path when the video lies outside it; used in messages and name hashes.
    name : str
        Output folder name inside the batch folder (set by :func:`assign_names`).
    overrides : dict
        Per-video analysis settings from the manifest (:class:`AnalyzeOptions` fields).
    fields : dict
        Manifest values passed through to the summary (``subject_id``, ``notes`` ...).
    line : int, optional
        Manifest line the entry came from.
    """

    path: Path
    rel: str
    name: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    line: int | None = None

    @property
    def id(self) -> str:
        """Subject id from the manifest, else the file's stem."""
        return str(self.fields.get("subject_id") or Path(self.rel).stem)


def is_video_name(name: str) -> bool:
    """Whether a file name has one of :data:`VIDEO_EXTENSIONS` (any case)."""
    return name.lower().endswith(VIDEO_EXTENSIONS)


def discover(spec: str, exclude: Path | None = None) -> tuple[list[VideoEntry], str]:
    """Videos named by ``spec`` and the kind of input ("folder", "glob", "manifest",
    "video"), with output folder names assigned.

    Parameters
    ----------
    spec : str
        Folder, glob pattern, manifest ``.csv`` or video file.
    exclude : Path, optional
        Folder to skip (the batch output folder when it lies inside the input).

    Raises
    ------
    InputError
        Nothing found, or a bad manifest (one-line message naming the line).
    """
    path = Path(spec).expanduser()
    excluded = Path(exclude).resolve() if exclude is not None else None
    if path.is_dir():
        kind, entries = "folder", _walk(path.resolve(), excluded)
    elif path.is_file() and path.suffix.lower() == ".csv":
        kind, entries = "manifest", read_manifest(path)
    elif path.is_file() and is_video_name(path.name):
        kind, entries = "video", [VideoEntry(path.resolve(), path.name)]
    elif path.is_file():
        raise InputError(f"{spec} is neither a folder, a manifest .csv nor a video "
                         f"({', '.join(VIDEO_EXTENSIONS)})")
    elif glob.has_magic(spec):
        kind, entries = "glob", _glob(spec, excluded)
    else:
        raise InputError(f"no such file or folder: {spec}")
    if not entries:
        raise InputError(f"no videos ({', '.join(VIDEO_EXTENSIONS)}) found in {spec}")
    return assign_names(entries), kind


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def _walk(root: Path, exclude: Path | None) -> list[VideoEntry]:
    entries = []
    for folder, dirs, files in os.walk(root):
        # Hidden folders (.git, .partial) and the output folder never hold inputs.
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and not _inside(Path(folder) / d, exclude)]
        for name in files:
            # "._run.mp4" are macOS resource forks on shared drives, not videos.
            if not name.startswith(".") and is_video_name(name):
                path = Path(folder) / name
                entries.append(VideoEntry(path, path.relative_to(root).as_posix()))
    return sorted(entries, key=lambda e: e.rel)


def _glob(spec: str, exclude: Path | None) -> list[VideoEntry]:
    pattern = str(Path(spec).expanduser())
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next(i for i, p in enumerate(parts) if glob.has_magic(p))]]
    root = (Path(*fixed) if fixed else Path.cwd()).resolve()
    entries = []
    # Path.glob takes no absolute patterns; glob.glob takes both kinds.
    for match in glob.glob(pattern, recursive=True):  # noqa: PTH207
        path = Path(match).resolve()
        if path.is_file() and is_video_name(path.name) and not _inside(path, exclude):
            entries.append(VideoEntry(path, _relative(path, root)))
    return sorted(entries, key=lambda e: e.rel)


def _relative(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


# -- manifest -----------------------------------------------------------------------------

def read_manifest(manifest: Path) -> list[VideoEntry]:
    """Entries of a manifest CSV (comma, semicolon or tab separated; UTF-8 or the
    Windows code page Excel uses). Rows whose ``video`` starts with ``#`` are comments.

    Raises
    ------
    InputError
        Unreadable file, no ``video`` column, or a bad value (message names the line).
    """
    try:
        raw = manifest.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read manifest {manifest}: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # "CSV" saved by Excel on Windows is cp1252, not UTF-8
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(f"manifest {manifest} is not text: save it as CSV UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise InputError(f"manifest {manifest} is empty: it needs a header with a 'video' "
                         "column")
    columns = [_ALIASES.get(c, c) for c in
               (h.strip().lower().replace(" ", "_").replace("-", "_") for h in header)]
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise InputError(f"manifest {manifest}: column {dupes[0]!r} appears twice")
    if "video" not in columns:
        raise InputError(f"manifest {manifest} has no 'video' column (columns: "
                         f"{', '.join(c for c in columns if c) or 'none'})")
    base = manifest.parent.resolve()
    entries = []
    for cells in reader:
        values = {c: v.strip() for c, v in zip(columns, cells, strict=False) if c}
        if not any(values.values()) or values.get("video", "").startswith("#"):
            continue
        entries.append(_manifest_entry(values, base, f"{manifest.name} line {reader.line_num}",
                                       reader.line_num))
    return entries


def _manifest_entry(values: dict[str, str], base: Path, where: str, line: int) -> VideoEntry:
    video = values.get("video", "")
    if not video:
        raise InputError(f"{where}: the video cell is empty")
    path = Path(video).expanduser()
    path = (path if path.is_absolute() else base / path).resolve()
    overrides: dict[str, Any] = {}
    fields: dict[str, Any] = {k: v for k, v in values.items()
                              if k not in KNOWN_COLUMNS or k in ("subject_id", "session_date",
                                                                 "notes")}
    if values.get("view"):
        view = values["view"].lower()
        if view not in VIEWS:
            raise InputError(f"{where}: view {values['view']!r} is not one of "
                             f"{', '.join(VIEWS)}")
        overrides["view"] = fields["view"] = view
    if values.get("treadmill"):
        flag = values["treadmill"].lower()
        if flag not in _TRUE + _FALSE:
            raise InputError(f"{where}: treadmill {values['treadmill']!r} should be true/false, "
                             "yes/no, 1/0 or empty")
        fields["treadmill"] = flag in _TRUE
        overrides["setting"] = "treadmill" if fields["treadmill"] else "overground"
    if values.get("anonymize"):  # this video's face blurring wins over the batch's
        flag = values["anonymize"].lower()
        if flag not in _TRUE + _FALSE:
            raise InputError(f"{where}: anonymize {values['anonymize']!r} should be "
                             "true/false, yes/no, 1/0 or empty")
        overrides["anonymize"] = fields["anonymize"] = flag in _TRUE
        overrides["anonymize_source"] = "manifest"
    if values.get("session_date"):
        try:
            _dt.date.fromisoformat(values["session_date"])
        except ValueError:
            raise InputError(f"{where}: session_date {values['session_date']!r} is not a "
                             "date like 2026-03-31") from None
    if (values.get("slowmo") or "").strip().lower() == "auto":  # --slowmo auto
        overrides["slowmo_auto"] = True
        values = {**values, "slowmo": ""}
    elif values.get("slowmo"):  # a factor given for this video wins over a batch-wide auto
        overrides["slowmo_auto"] = False
    for key in ("height_cm", "start_s", "end_s", "slowmo"):
        if values.get(key):
            # The rules every option obeys (gaitcheck.validation), with a decimal comma.
            overrides[key] = check_number(key, _decimal(values[key]), f"{where}: ")
            if key == "height_cm":
                fields[key] = overrides[key]
    check_options(overrides, f"{where}: ")
    return VideoEntry(path, _relative(path, base), overrides=overrides, fields=fields, line=line)


def _decimal(text: str) -> str:
    if text.count(",") == 1 and "." not in text:
        return text.replace(",", ".")  # a decimal comma, as German or French spreadsheets write
    return text


# -- output folder names ------------------------------------------------------------------

def safe_name(text: str) -> str:
    """A folder name made from ``text``: no path separators, control or format
    characters, nothing Windows refuses; unicode letters and spaces kept (NFC)."""
    text = unicodedata.normalize("NFC", text)
    out = "".join("_" if ch in _UNSAFE_CHARS or unicodedata.category(ch)[0] == "C"
                  or unicodedata.category(ch) in ("Zl", "Zp") else ch for ch in text)
    out = out.strip(" ").lstrip(".").rstrip(". ")  # no hidden folders, no Windows-trailing dots
    while len(out.encode("utf-8")) > _NAME_MAX_BYTES:
        out = out[:-1]
    out = out.rstrip(". ") or "video"
    if out.split(".")[0].lower() in _WINDOWS_DEVICES:
        out += "_"
    return out


def short_hash(text: str) -> str:
    """Eight hex characters of the SHA-256 of ``text`` (deterministic across runs)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def assign_names(entries: list[VideoEntry]) -> list[VideoEntry]:
    """Give every entry a unique folder name: the safe stem, or ``<stem>-<hash of the
    relative path>`` when an earlier entry has it (compared case-insensitively, because
    clinic file servers often are)."""
    taken = {n.casefold() for n in RESERVED_NAMES}
    named = []
    for entry in entries:
        stem = safe_name(Path(entry.rel).stem)
        name = stem
        if name.casefold() in taken:
            name = f"{stem}-{short_hash(entry.rel)}"
            count = 2
            while name.casefold() in taken:  # the same file listed twice in a manifest
                name = f"{stem}-{short_hash(entry.rel)}-{count}"
                count += 1
        taken.add(name.casefold())
        named.append(replace(entry, name=name))
    return named
