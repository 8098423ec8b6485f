"""Atomic output: a file is either absent, the old version, or complete; an analysis
folder is either the complete previous result or the complete new one.

Every writer in gaitcheck goes through :func:`atomic_writer`, which writes to a
temporary file in the destination folder and renames it over the target only once
the content is complete and flushed, so an interrupted run, a full disk or a crash
never leaves a half-written report behind.

Inside :func:`transaction` several files are written as one: on any failure half-way
(a full disk after the landmarks, before the report) every file the block replaced gets
its previous version back and every new one is removed, so the folder is exactly as it
was, not a new landmarks file beside an old report.

A whole result is written with :func:`gaitcheck.staging.staged_folder`: into a
hidden sibling folder that replaces the output folder in one atomic step, so even
``kill -9`` cannot leave a mixed folder; :func:`transaction` is its fallback where a
sibling folder cannot be used.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gaitcheck.errors import OutputError

PROBE_NAME = ".gaitcheck-write-probe"
#: Test hook: seconds to sleep after each file written, so a test can SIGKILL a run at
#: random points of its write phase (unset in normal use: no delay).
WRITE_DELAY_ENV = "GAITCHECK_TEST_WRITE_DELAY_S"
#: Files replaced in the innermost open :func:`transaction`: (target, backup of its
#: previous version or None if it is new), in order; None outside a transaction.
_JOURNAL: contextvars.ContextVar[list[tuple[Path, Path | None]] | None] = (
    contextvars.ContextVar("gaitcheck_fsio_journal", default=None))

def file_mode() -> int:
    """Mode a plainly created file would get (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def test_pause() -> None:
    """Sleep for :data:`WRITE_DELAY_ENV` seconds if it is set (crash-safety tests)."""
    delay = os.environ.get(WRITE_DELAY_ENV)
    if delay:
        import time

        time.sleep(float(delay))


def _describe(err: OSError, path: Path) -> str:
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"output folder is not writable: {path}"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on device while writing {path}"
    return f"cannot write {path}: {err.strerror or err}"


def prepare_output_dir(path: Path) -> Path:
    """Create ``path`` if needed and check that files can be written in it.

    Parameters
    ----------
    path : Path
        Output folder.

    Returns
    -------
    Path
        The resolved folder.

    Raises
    ------
    OutputError
        If the folder cannot be created or written to.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"output path exists and is not a folder: {path}")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise OutputError(f"output folder is not writable: {path}") from err
        raise OutputError(f"cannot create output folder {path}: {err.strerror or err}") from err
    try:
        # An unnamed file (O_TMPFILE on Linux): a run killed here leaves no entry in a
        # folder that may hold the previous complete result.
        with tempfile.TemporaryFile(dir=path, prefix=PROBE_NAME):
            pass
    except OSError as err:
        raise OutputError(_describe(err, path)) from err
    return path.resolve()


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block exits cleanly.

    Parameters
    ----------
    path : Path
        Final destination.
    mode : {"wb", "w"}
        Binary or text (UTF-8, ``\\n`` newlines) mode.

    Raises
    ------
    OutputError
        If writing or renaming fails; the temporary file is removed and ``path`` is
        left untouched.
    """
    text = "b" not in mode
    with atomic_path(Path(path)) as tmp, tmp.open(
            mode, encoding="utf-8" if text else None, newline="\n" if text else None) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that needs a file name (an external
    encoder); it replaces ``path`` when the block exits cleanly, else it is removed.

    Inside a :func:`transaction` the replaced file is journaled like every other.

    Raises
    ------
    OutputError
        If the temporary file cannot be created or renamed.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, file_mode())  # mkstemp files are private (0600)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        journal = _JOURNAL.get()
        if journal is not None:
            journal.append((path, _set_aside(path)))
        tmp.replace(path)
        tmp = None
        test_pause()
    except OSError as err:
        raise OutputError(_describe(err, path)) from err
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def current_journal() -> list[tuple[Path, Path | None]]:
    """Files replaced so far in the open :func:`transaction` (target, backup or None);
    empty outside one."""
    return list(_JOURNAL.get() or [])


def make_dirs(path: Path) -> Path:
    """Create the folder ``path`` and its parents if missing; inside a
    :func:`transaction` the folders this creates are removed if the block fails."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()][::-1]
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(_describe(err, path)) from err
    journal = _JOURNAL.get()
    if journal is not None:
        journal.extend((p, None) for p in missing)
    return path


def remove(path: Path) -> None:
    """Delete ``path``; inside a :func:`transaction` it comes back if the block fails."""
    path = Path(path)
    try:
        journal = _JOURNAL.get()
        if journal is None:
            path.unlink(missing_ok=True)
            return
        backup = _set_aside(path)
        if backup is not None:
            journal.append((path, backup))
    except OSError as err:
        raise OutputError(_describe(err, path)) from err


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's content, hex (streamed: videos can be gigabytes).

    Raises
    ------
    OSError
        The file cannot be read.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return ``path``."""
    with atomic_writer(path, "w") as handle:
        handle.write(text)
    return Path(path)


def _set_aside(path: Path) -> Path | None:
    """Move an existing ``path`` to a hidden backup beside it (a rename: no disk space
    needed); returns the backup, or None if there was nothing to keep."""
    if not path.exists():
        return None
    fd, backup = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak", dir=path.parent)
    os.close(fd)
    path.replace(backup)
    return Path(backup)


@contextlib.contextmanager
def transaction(hide: Path | None = None) -> Iterator[None]:
    """Write several files as one (each still atomically, readable once written).

    Parameters
    ----------
    hide : Path, optional
        A file to set aside for the duration, typically ``report.json``: while the block
        runs the folder does not claim to be complete, even if the process is killed.

    On any exception every file the block replaced gets its previous version back, new
    files are removed and ``hide`` returns; on success the previous versions are
    deleted. Nested transactions join the outer one.
    """
    if _JOURNAL.get() is not None:
        yield
        return
    journal: list[tuple[Path, Path | None]] = []
    token = _JOURNAL.set(journal)
    try:
        if hide is not None:
            try:
                journal.append((Path(hide), _set_aside(Path(hide))))
            except OSError as err:
                raise OutputError(_describe(err, Path(hide))) from err
        yield
    except BaseException:
        for path, backup in reversed(journal):
            with contextlib.suppress(OSError):
                if backup is not None:
                    backup.replace(path)
                elif path.is_dir():
                    path.rmdir()  # a folder the block created (empty again by now)
                elif path.exists():
                    path.unlink()
        raise
    finally:
        _JOURNAL.reset(token)
    for _, backup in journal:
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
