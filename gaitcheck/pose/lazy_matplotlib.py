"""Import MediaPipe without importing matplotlib.

``import mediapipe`` imports ``mediapipe.tasks.python.vision.drawing_utils``, which
imports ``matplotlib.pyplot`` at module level although gaitcheck never draws with it.
That costs 1–1.5 s of every run (measured with ``python -X importtime``: 1.5 s of the
2.7 s MediaPipe import) and, with a read-only home folder, prints matplotlib's two-line
"created a temporary cache directory" warning. While MediaPipe is imported, both
``matplotlib`` and ``matplotlib.pyplot`` are stand-ins that import the real module on
first attribute access; they are removed again afterwards, so any later
``import matplotlib`` is the real one.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

_NAMES = ("matplotlib", "matplotlib.pyplot")
_LOCK = threading.Lock()


class _Deferred(types.ModuleType):
    """A module that becomes the real ``name`` on first attribute access."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        name = self.__name__
        if name == "matplotlib" and attr == "pyplot" and sys.modules.get(
                "matplotlib.pyplot") is not None and isinstance(
                sys.modules["matplotlib.pyplot"], _Deferred):
            return sys.modules["matplotlib.pyplot"]
        if isinstance(sys.modules.get(name), _Deferred):
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)


@contextlib.contextmanager
def matplotlib_deferred() -> Iterator[None]:
    """Within the block, ``import matplotlib.pyplot`` binds a stand-in (see module doc);
    nothing changes when matplotlib is already imported."""
    with _LOCK:
        if any(name in sys.modules for name in _NAMES):
            yield
            return
        for name in _NAMES:
            sys.modules[name] = _Deferred(name)
        try:
            yield
        finally:
            for name in _NAMES:
                if isinstance(sys.modules.get(name), _Deferred):
                    del sys.modules[name]


def import_mediapipe() -> types.ModuleType:
    """``import mediapipe`` with matplotlib deferred (see the module docstring)."""
    with matplotlib_deferred():
        import mediapipe
        import mediapipe.tasks.python.vision
    return mediapipe
