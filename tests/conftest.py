"""Shared pytest fixtures."""

from __future__ import annotations

import pytest

from clinic_helpers import db_location  # noqa: F401  (clinic tests: SQLite and PostgreSQL)


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel (a dev dependency)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


