"""Pose model lookup, checksum verification and bundle validation."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from gaitcheck.errors import ModelError
from gaitcheck.pose import models
from helpers import REPO


def test_bundled_model_verifies() -> None:
    info = models.resolve_model(None)
    assert info.origin == "bundled" and info.name == "full"
    assert info.sha256 == models.BUNDLED_SHA256
    assert info.path.stat().st_size == 9_399_218
    models.check_bundle(info.path)


def test_models_readme_states_the_checksum() -> None:
    assert models.BUNDLED_SHA256 in (REPO / "models" / "README.md").read_text()


def test_corrupt_bundled_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / models.BUNDLED_FILE
    data = bytearray(models.bundled_model_path().read_bytes())
    data[5000] ^= 0xFF  # one flipped byte
    copy.write_bytes(bytes(data))
    monkeypatch.setattr(models, "bundled_model_path", lambda: copy)
    with pytest.raises(ModelError, match="corrupt"):
        models.resolve_model(None)


def _bundle(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            z.writestr(name, b"tflite")
    return path


def test_user_path_and_named_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAITCHECK_MODEL_DIR", str(tmp_path / "cache"))
    assert models.user_model_dir() == tmp_path / "cache"
    with pytest.raises(ModelError, match="not installed"):
        models.resolve_model("heavy")
    (tmp_path / "cache").mkdir()
    heavy = _bundle(tmp_path / "cache" / "pose_landmarker_heavy.task",
                    ["pose_detector.tflite", "pose_landmarks_detector.tflite"])
    info = models.resolve_model("heavy")
    assert (info.name, info.origin, info.path) == ("heavy", "user", heavy)
    by_path = models.resolve_model(str(heavy))
    assert by_path.origin == "path" and by_path.sha256 == info.sha256
    assert [m.name for m in models.available_models()] == ["full", "heavy"]
    # "full" still means the bundled model while no user copy exists.
    assert models.resolve_model("full").origin == "bundled"


def test_invalid_bundles(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        models.resolve_model(str(tmp_path / "none.task"))
    (tmp_path / "text.task").write_text("hello")
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        models.resolve_model(str(tmp_path / "text.task"))
    hands = _bundle(tmp_path / "hand.task", ["hand_detector.tflite"])
    with pytest.raises(ModelError, match=r"missing pose_detector\.tflite"):
        models.resolve_model(str(hands))
