"""Shared pytest fixtures."""

from __future__ import annotations

import os

import pytest

from clinic_helpers import (  # noqa: F401  (fixtures)
    db_location,  # clinic tests: SQLite and PostgreSQL
    scripted_pose,  # a stick figure instead of the pose model
)
from pose_runs import (  # noqa: F401  (fixtures)
    pose_run,  # the real pose model on a video, once per session
    treadmill_mirror,  # the shared clip mirrored as benchmarks/consistency.py does
)

# Tests compare analyses with fixed numbers: one pose pass whatever the machine's cores
# (a split pass differs slightly after each seam). tests/test_segments.py sets jobs.
os.environ.setdefault("GAITCHECK_JOBS", "1")


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (a dev dependency)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()




@pytest.fixture(scope="session", autouse=True)
def _own_clinic_database(tmp_path_factory: pytest.TempPathFactory):
    """Never the user's clinic database or defaults: a batch whose manifest has patient
    ids records sessions, and follows the database's face-blurring default."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAITCHECK_DB", str(tmp_path_factory.mktemp("clinic") / "sessions.sqlite"))
        for var in ("GAITCHECK_ANONYMIZE", "GAITCHECK_CLINIC"):
            patch.delenv(var, raising=False)
        yield
