"""Keep the C++ libraries' log lines off the user's terminal.

MediaPipe, TensorFlow Lite and absl write INFO/WARNING lines straight to file
descriptor 2 from native code, which Python cannot filter. The CLI points descriptor 2
at /dev/null and gives Python's ``sys.stderr`` a private duplicate of the original
stream, so our own messages and progress bar still reach the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def native_stderr_silenced(enabled: bool = True) -> Iterator[None]:
    """Silence native writes to descriptor 2 for the duration of the block.

    Parameters
    ----------
    enabled : bool
        ``False`` leaves everything as it is (``--debug``).
    """
    if not enabled:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, AttributeError, ValueError):
        yield  # no real descriptor 2 (embedded interpreter, captured streams)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    original = sys.stderr
    private = os.fdopen(os.dup(saved), "w", buffering=1, encoding=original.encoding or "utf-8",
                        errors="backslashreplace")
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = private
    try:
        yield
    finally:
        private.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sys.stderr = original
        private.close()
