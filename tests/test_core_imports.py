"""The analysis core imports without OpenCV or MediaPipe.

``gaitcheck.tracks``, ``events``, ``metrics``, ``evaluation`` and ``analysis`` are pure
numpy/scipy: a server that only re-analyses landmark files, or a researcher checking
events against labels, must not need the video and pose stack. Proved in a fresh
interpreter whose import system refuses ``cv2`` and ``mediapipe``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CORE = ("gaitcheck.tracks", "gaitcheck.events", "gaitcheck.metrics", "gaitcheck.evaluation",
        "gaitcheck.analysis", "gaitcheck.video.info")

_SCRIPT = textwrap.dedent("""
    import importlib, importlib.abc, sys

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in ("cv2", "mediapipe"):
                raise ImportError(f"refused in this test: {name}")
            return None

    sys.meta_path.insert(0, Refuse())
    importlib.import_module(sys.argv[1])
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] in ("cv2", "mediapipe"))
    assert not loaded, loaded
""")


@pytest.mark.parametrize("module", CORE)
def test_core_imports_without_opencv(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, module], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_refusal_works() -> None:
    """The same interpreter set-up does fail on a module that needs OpenCV: the test
    above can fail."""
    done = subprocess.run([sys.executable, "-c", _SCRIPT, "gaitcheck.video.reader"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "refused in this test: cv2" in done.stderr


def test_reader_still_exports_video_info() -> None:
    from gaitcheck.video import VideoInfo as from_package
    from gaitcheck.video.info import VideoInfo
    from gaitcheck.video.reader import VideoInfo as from_reader

    assert from_reader is VideoInfo is from_package
