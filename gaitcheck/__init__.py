"""gaitcheck: trustworthy running gait analysis from an ordinary video.

>>> from gaitcheck import analyze                       # doctest: +SKIP
>>> result = analyze("run.mp4", height_cm=178)          # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["GaitResult", "__version__", "analyze", "load_result"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``gaitcheck --version`` and light imports stay fast.
    if name == "analyze":
        from gaitcheck.api import analyze

        return analyze
    if name in ("GaitResult", "load_result"):
        from gaitcheck import result

        return getattr(result, name)
    raise AttributeError(f"module 'gaitcheck' has no attribute {name!r}")
