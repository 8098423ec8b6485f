"""The C heap of a pose pass: fewer malloc arenas, and freed memory given back.

glibc's malloc gives each thread that allocates concurrently its own arena, up to eight
per core. A pose pass runs many threads that allocate: MediaPipe's graph and inference
threads (per landmarker), FFmpeg's decoder threads, the scene-line helper, the warm-up
imports. Each arena keeps the memory its thread freed for that thread's next
allocations, so the process holds the high-water mark of every arena at once. On the
12 s shared clip (720p, 2 cores) nine arenas held 119 MiB next to the main heap's
50 MiB; with two arenas the peak RSS of ``gaitcheck analyze`` fell by 15-22 MiB with one
landmarker and 6-18 MiB (typically 12) with two (read-ahead decoding and the hook thread
included), at the same CPU time and voluntary context switches (no lock contention
seen). One arena saved 3-5 MiB more; four saved 5-10 MiB less.

:func:`limit_malloc_arenas` is called by :func:`gaitcheck.pose.run.pose_pass` before the
first landmarker or decoder starts its threads. It does nothing where glibc is not the C
library, or when the user set ``MALLOC_ARENA_MAX`` (or a glibc tunable) themselves.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from typing import Any

#: Malloc arenas a pose pass may use: the main heap and one shared by the other threads.
#: One (everything on the main heap) measured 3-5 MiB less again, but every MediaPipe,
#: decoder and hook thread would then take the main thread's lock.
ARENA_MAX = 2
#: glibc's ``mallopt`` parameter number for the arena limit (malloc.h).
_M_ARENA_MAX = -8

_LIBC: list[Any] = []


def _libc() -> Any:
    """glibc, or None (another C library, or none found)."""
    if not _LIBC:
        found = None
        with contextlib.suppress(OSError, AttributeError, TypeError):
            # The symbols already loaded into this process (the C library among them):
            # ctypes.util.find_library would start a subprocess (ldconfig) to find it.
            lib = ctypes.CDLL(None)
            # musl and macOS have no malloc_trim: nothing to tune there.
            found = lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else None
        _LIBC.append(found)
    return _LIBC[0]


def limit_malloc_arenas(arenas: int = ARENA_MAX) -> bool:
    """Let glibc create at most ``arenas`` malloc arenas from now on; True if set.

    Takes effect for arenas not yet created: call it before the threads that would
    create them start (glibc fixes its limit when the ninth arena would be made).
    Idempotent. Not applied when ``MALLOC_ARENA_MAX`` or ``GLIBC_TUNABLES`` is set in the
    environment: the user's own setting wins.
    """
    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES",
                                                                         ""):
        return False
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, int(arenas)))


def release_freed_memory() -> None:
    """Give the heap memory freed so far back to the system (glibc's ``malloc_trim``).

    A closed landmarker's buffers and a released decoder's frame pool stay in the
    process's malloc arenas otherwise, and the resident size would carry them through
    the analysis after pose. Does nothing where glibc is not the C library.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
