"""Shared pytest fixtures."""

from __future__ import annotations

import os

import pytest

# Tests compare analyses with fixed numbers: one pose pass whatever the machine's cores
# (a split pass differs slightly after each seam). tests/test_segments.py sets jobs.
os.environ.setdefault("GAITCHECK_JOBS", "1")


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (a dev dependency)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


