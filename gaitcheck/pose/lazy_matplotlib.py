"""Import MediaPipe without importing matplotlib.

``import mediapipe`` imports ``mediapipe.tasks.python.vision.drawing_utils``, which
imports ``matplotlib.pyplot`` at module level although gaitcheck never draws with it.
That costs 1–1.5 s of every run (measured with ``python -X importtime``: 1.5 s of the
2.7 s MediaPipe import) and, with a read-only home folder, prints matplotlib's two-line
"created a temporary cache directory" warning. While MediaPipe is imported, both
``matplotlib`` and ``matplotlib.pyplot`` are stand-ins that import the real module on
first attribute access; they are removed again afterwards, so any later
``import matplotlib`` is the real one.

MediaPipe's task families gaitcheck does not use (:data:`UNUSED_TASKS`: audio, text,
decision, retrieval) are deferred the same way: ``mediapipe.tasks.python`` imports them
all. With ``sounddevice`` already blocked (:func:`gaitcheck.pose.run.import_mediapipe_quietly`)
they still cost ~0.06 of its ~0.15 CPU s (medians of 4 alternated runs on a loaded
machine: 0.155 -> 0.095 s), which a pose pass spends between opening the video and
loading the model, on the critical path. ``mediapipe.tasks.python.audio`` etc. stay
bound to the stand-ins, which import the real module on first attribute access.
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
#: MediaPipe task families gaitcheck never uses, deferred while MediaPipe is imported.
UNUSED_TASKS = tuple(f"mediapipe.tasks.python.{family}"
                     for family in ("audio", "text", "decision", "retrieval"))
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
        with _deferred(_NAMES):
            yield


@contextlib.contextmanager
def _deferred(names: tuple[str, ...]) -> Iterator[None]:
    """Within the block the modules ``names`` not yet imported are stand-ins (see the
    module docstring); afterwards they are dropped from ``sys.modules`` again."""
    added = [name for name in names if name not in sys.modules]
    for name in added:
        sys.modules[name] = _Deferred(name)
    try:
        yield
    finally:
        for name in added:
            if isinstance(sys.modules.get(name), _Deferred):
                del sys.modules[name]


def import_mediapipe() -> types.ModuleType:
    """``import mediapipe`` with matplotlib and :data:`UNUSED_TASKS` deferred (see the
    module docstring)."""
    with matplotlib_deferred(), _deferred(UNUSED_TASKS):  # the first holds _LOCK
        import mediapipe
        import mediapipe.tasks.python.vision
    return mediapipe
