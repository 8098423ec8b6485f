"""Atomic file output: a file is either absent, the old version, or complete.

Every writer in gaitcheck goes through :func:`atomic_writer`, which writes to a
temporary file in the destination folder and renames it over the target only once
the content is complete and flushed, so an interrupted run, a full disk or a crash
never leaves a half-written report behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gaitcheck.errors import OutputError

_PROBE_NAME = ".gaitcheck-write-probe"


def file_mode() -> int:
    """Mode a plainly created file would get (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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
        probe = path / _PROBE_NAME
        probe.write_bytes(b"")
        probe.unlink()
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
    path = Path(path)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, file_mode())
        text = "b" not in mode
        with os.fdopen(fd, mode, encoding="utf-8" if text else None,
                       newline="\n" if text else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
        tmp_name = None
    except OSError as err:
        raise OutputError(_describe(err, path)) from err
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                Path(tmp_name).unlink()


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
