"""Replace a whole output folder in one atomic step, and repair a swap a crash cut short.

A result is written into a hidden sibling ``.<name>.gaitcheck-new-<token>`` of the
output folder. First every entry of the old folder that is not a stale gaitcheck output
(a user's notes, a video, the landmarks a re-render keeps) is hard-linked into it
(copied where the file system has no hard links); the run then writes its files, each
replacing its link by a rename (never writing into a linked file), and when the new
folder is complete the two change places:

* Linux: ``renameat2(..., RENAME_EXCHANGE)`` swaps the two names in one step; the old
  content, now under the sibling's name, is deleted.
* elsewhere, or where the file system refuses the exchange (``EINVAL``, ``ENOSYS``):
  the old folder is renamed to ``.<name>.gaitcheck-old-<token>``, then the new one into
  place. Between the two renames the output folder is missing, and :func:`recover`
  finishes the swap: the new folder was complete before the first rename.

So at every instant the output folder holds the complete previous result or the
complete new one; ``kill -9`` at worst leaves a hidden sibling that :func:`recover` (run
by the next analysis and by ``gaitcheck report``) removes. The process building a
sibling holds an ``flock`` on it, released by the kernel when the process dies, so
recovery in another process never touches a swap still in progress.

Where no sibling folder can be used (the output folder is or holds a mount point, is the
working folder, or its parent is not writable) the files are written in place inside
:func:`gaitcheck.fsio.transaction`, which restores the old files on any error but not
after ``kill -9``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from gaitcheck import fsio
from gaitcheck.errors import OutputError
from gaitcheck.filenames import REPORT_NAME

#: ``renameat2`` flag (linux/fs.h): atomically exchange the two paths.
RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: Temporary files and backups of :mod:`gaitcheck.fsio` (``.<target>.<8 chars>.tmp``).
_STRAY = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_]{8}\.(?P<kind>tmp|bak)$")
#: errno values with which a file system or kernel refuses ``RENAME_EXCHANGE``.
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _sibling_prefix(out: Path) -> str:
    return f".{out.name}.gaitcheck-"


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """glibc's ``renameat2`` (glibc >= 2.28), or None where it does not exist."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap the two existing paths ``a`` and ``b`` in one atomic step.

    Returns
    -------
    bool
        False when this platform, C library, kernel or file system cannot do it (nothing
        was changed); True once swapped.

    Raises
    ------
    OSError
        Any other failure of ``renameat2`` (nothing was changed).
    """
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(b))


def _lock(path: Path) -> int | None:
    """An open descriptor of folder ``path`` holding an exclusive ``flock`` (None where
    there is no ``flock``: Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def _busy(path: Path) -> bool:
    """Whether a live process holds the lock of sibling folder ``path``."""
    try:
        fd = _lock(path)
    except BlockingIOError:
        return True
    except OSError:
        return False  # vanished or unreadable: nothing to protect
    if fd is not None:
        os.close(fd)
    return False


def _discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _is_empty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())
    except OSError:
        return False


def recover(out: Path) -> None:
    """Finish or undo a folder swap that a killed run left half-done, and remove the
    hidden leftovers of killed runs in and beside ``out``.

    * Output folder missing (or empty, as an analysis creates it early) between the two
      renames of the fallback swap: the complete new folder is moved into place, or the
      old one back if the new one is gone.
    * Sibling folders no live process holds: removed (a staging folder never finished,
      or an old result already replaced).
    * ``.<file>.<random>.tmp`` / ``.bak`` files of an in-place write: removed, except a
      backup whose file is missing, which is put back.
    """
    out = Path(out)
    prefix = _sibling_prefix(out)
    try:
        names = [p.name for p in out.parent.iterdir()]
    except OSError:
        return
    siblings: dict[tuple[str, str], Path] = {}
    for name in names:
        kind, _, token = name[len(prefix):].partition("-")
        if name.startswith(prefix) and kind in ("new", "old") and token:
            siblings[(kind, token)] = out.parent / name
    if siblings and (not os.path.lexists(out) or _is_empty_dir(out)):
        _restore(out, siblings)
    for path in siblings.values():
        if os.path.lexists(path) and not _busy(path):
            _discard(path)
    _clean_strays(out)


def _restore(out: Path, siblings: dict[tuple[str, str], Path]) -> None:
    for (kind, token), old in siblings.items():
        if kind != "old":
            continue
        new = siblings.get(("new", token))
        if new is not None and _busy(new):
            return  # that swap is live: its process finishes it
        with contextlib.suppress(OSError):
            if _is_empty_dir(out):
                out.rmdir()
            # The new folder exists only once complete when the old one was set aside.
            (new if new is not None and new.is_dir() else old).rename(out)
        return


def _clean_strays(out: Path) -> None:
    try:
        entries = list(os.scandir(out))
    except OSError:
        return
    for entry in entries:
        match, path = _STRAY.match(entry.name), Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.name.startswith(fsio.PROBE_NAME):
                path.unlink()
            elif match and entry.is_file(follow_symlinks=False):
                target = out / match["target"]
                if match["kind"] == "bak" and not os.path.lexists(target):
                    path.replace(target)
                else:
                    path.unlink()


def _mounts_inside(out: Path) -> bool:
    try:
        return any(e.is_dir(follow_symlinks=False) and os.path.ismount(e.path)
                   for e in os.scandir(out))
    except OSError:
        return False


def _make_stage(out: Path) -> tuple[Path, int | None] | None:
    """A new locked sibling folder of ``out`` with its permissions, or None where none
    can be used."""
    if os.path.ismount(out) or _mounts_inside(out):
        return None  # a mount point cannot be renamed or linked across: write in place
    with contextlib.suppress(OSError):
        if Path.cwd().resolve().is_relative_to(out.resolve()):
            # Swapping the working folder away would leave this process, and the shell
            # that started it, in a deleted folder (``-o .``): write in place.
            return None
    try:
        stage = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out) + "new-", dir=out.parent))
    except OSError:
        return None  # parent not writable, name too long ...
    try:
        fd = _lock(stage)
        stage.chmod(stat.S_IMODE(out.stat().st_mode))  # mkdtemp's folders are 0700
    except OSError:
        _discard(stage)
        return None
    return stage, fd


@contextlib.contextmanager
def staged_folder(out: Path, stale: Iterable[str] = ()) -> Iterator[Path]:
    """Write a new result for folder ``out`` that replaces it atomically on success.

    Parameters
    ----------
    out : Path
        The existing output folder (:func:`gaitcheck.fsio.prepare_output_dir`).
    stale : iterable of str
        Names of top-level entries of ``out`` that an earlier gaitcheck run wrote: they
        disappear unless this run writes them again. Every other entry is kept.

    Yields
    ------
    Path
        The folder to write into: a hidden sibling of ``out`` (or ``out`` itself where
        no sibling can be used), already holding the entries that are kept. Files must
        be written with :mod:`gaitcheck.fsio` (a rename replaces a kept link; writing
        into an existing file would change the old folder too).

    Raises
    ------
    OutputError
        The swap failed; ``out`` is unchanged.

    On any exception in the block the staged files are deleted and ``out`` is unchanged.
    """
    out = Path(out)
    recover(out)
    made = _make_stage(out)
    if made is None:
        yield from _in_place(out, set(stale))
        return
    stage, fd = made
    try:
        try:
            _carry_over(out, stage, set(stale))
            yield stage
            fsio.test_pause()
            old = _swap(out, stage)
        except BaseException:
            _discard(stage)
            raise
    finally:
        if fd is not None:
            os.close(fd)
    fsio.test_pause()
    _discard(old)
    _fsync_dir(out.parent)


def _in_place(out: Path, stale: set[str]) -> Iterator[Path]:
    with fsio.transaction(hide=out / REPORT_NAME):
        yield out
        journal = fsio.current_journal()
        written = {p.relative_to(out).parts[0] for p, _ in journal
                   if p.is_relative_to(out) and p != out and p.exists()}
        for name in sorted(stale - written):
            if (out / name).is_file():  # a stale folder is left: backups are per file
                fsio.remove(out / name)


def _carry_over(out: Path, stage: Path, stale: set[str]) -> None:
    """Hard-link (or copy) into ``stage`` the entries of ``out`` that must survive."""
    for entry in os.scandir(out):
        name = entry.name
        if name in stale or name.startswith(fsio.PROBE_NAME) or _STRAY.match(name):
            continue
        try:
            _link_tree(Path(entry.path), stage / name)
        except (OSError, shutil.Error) as err:
            raise OutputError(f"cannot keep {entry.path} in the new result: {err}") from err


def _link_tree(src: Path, dst: Path) -> None:
    if src.is_symlink():
        dst.symlink_to(src.readlink())
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(src, dst)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        if not stat.S_ISREG(os.lstat(src).st_mode):
            return  # a FIFO or socket: a copy would block or mean nothing
        shutil.copy2(src, dst)


def _swap(out: Path, stage: Path) -> Path:
    """Put ``stage`` in the place of ``out``; returns where the old content now is."""
    try:
        if exchange(stage, out):
            return stage
        old = out.parent / (_sibling_prefix(out) + "old-"
                            + stage.name[len(_sibling_prefix(out) + "new-"):])
        out.rename(old)
        fsio.test_pause()
        try:
            stage.rename(out)
        except OSError:
            old.rename(out)
            raise
        return old
    except OSError as err:
        raise OutputError(f"cannot replace {out} with the new result: "
                          f"{err.strerror or err}") from err


def _fsync_dir(path: Path) -> None:
    """Make the renames durable (best effort: not every platform opens folders)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
