"""Start-up work `gaitcheck analyze` skips: MediaPipe task families it never uses, and
the collector's passes over what the CLI's imports made (issue 17, the serial part of a
split pass's wall time). Each check runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

TIMEOUT_S = 120


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_mediapipe_import_leaves_unused_task_families_unimported() -> None:
    """The audio, text, decision and retrieval task families are stand-ins after the
    import (0.06 of its 0.15 CPU s), and become the real modules when used."""
    code = (
        "import sys\n"
        "from gaitcheck.pose.lazy_matplotlib import UNUSED_TASKS\n"
        "from gaitcheck.pose.run import import_mediapipe_quietly\n"
        "import_mediapipe_quietly()\n"
        "loaded = sorted(n for n in sys.modules if n.startswith(UNUSED_TASKS))\n"
        "from mediapipe.tasks.python.vision import PoseLandmarker\n"
        "import mediapipe\n"
        "real = mediapipe.tasks.text.TextEmbedder.__module__\n"
        "print(loaded, len(UNUSED_TASKS), PoseLandmarker.__name__, real)\n"
    )
    assert _run(code) == ("[] 4 PoseLandmarker "
                          "mediapipe.tasks.python.text.text_embedder")


@pytest.mark.slow
def test_landmarker_loads_with_the_task_families_deferred() -> None:
    code = ("from gaitcheck.pose.mediapipe_backend import MediaPipeBackend\n"
            "MediaPipeBackend().close()\nprint('ok')\n")
    assert _run(code) == "ok"


def test_cli_freezes_its_start_up_objects_before_the_command() -> None:
    """Objects made by the CLI's imports are out of the collector's reach while the
    command runs (the full collection during start-up was 0.06 CPU s, serial)."""
    code = (
        "import gc, sys\n"
        "import gaitcheck.cli.app as app\n"
        "seen = []\n"
        "app._run_app = lambda: seen.append(gc.get_freeze_count()) or 0\n"
        "sys.argv = ['gaitcheck', '--version']\n"
        "try:\n"
        "    app.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen[0] > 10000)\n"
    )
    assert _run(code) == "True"
