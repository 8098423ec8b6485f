"""Shared pieces of the clinic tests: databases to test against, synthetic sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

#: CI (`.ci/run`) starts a PostgreSQL server on localhost and sets this URL.
PG_ENV = "GAITCHECK_TEST_PG_URL"


def pg_url() -> str:
    """The test server's URL, or skip (fail in CI, which must provide it)."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        reason = f"no PostgreSQL server for tests (set {PG_ENV}; .ci/run starts one)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must provide it")
        pytest.skip(reason)
    return url


def reset_pg(url: str) -> None:
    """Drop gaitcheck's tables so that a test starts from an empty server database."""
    import sqlalchemy as sa

    from gaitcheck.clinic.db import engine_url

    engine = sa.create_engine(engine_url(url))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS session_metrics, sessions, "
                             "clinic_settings, schema_version")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: an SQLite file, or the test PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "clinic" / "sessions.sqlite")
        return
    url = pg_url()
    reset_pg(url)
    yield url
    reset_pg(url)


def synth_landmarks(path: Path, seed: int, view: str = "side-left", duration_s: float = 8.0,
                    **params: object) -> Path:
    """Landmark tracks of a synthetic runner (no rendering, no pose): ``path`` is the
    ``.landmarks.npz`` file written."""
    from gaitcheck.synth.artefacts import Artefacts
    from gaitcheck.synth.clip import ClipSpec, make_clip
    from gaitcheck.synth.params import GaitParams

    gait = GaitParams(seed=seed, duration_s=duration_s, **params)  # type: ignore[arg-type]
    spec = ClipSpec(params=gait, view=view, artefacts=Artefacts.realistic())
    written = make_clip(path.with_name(path.name.removesuffix(".landmarks.npz") + ".mp4"),
                        spec, landmarks_only=True)
    return Path(written["landmarks"])


@pytest.fixture
def scripted_pose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pose replaced by a stepping stick figure in every frame (no model): videos from
    :func:`helpers.make_video` analyse in seconds."""
    import gaitcheck.pipeline as pipeline
    from helpers import ScriptedBackend, candidate

    script = {t: [candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(400)}
    monkeypatch.setattr(pipeline, "_mediapipe_backend",
                        lambda options: ScriptedBackend(script))
