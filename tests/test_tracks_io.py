"""Landmark tracks: validation, NPZ round trip, CSV layout, bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.errors import InputError
from gaitcheck.landmarks import LANDMARK_NAMES, LM, MIRROR
from gaitcheck.tracks import LandmarkTracks, load_tracks, save_tracks_csv, save_tracks_npz
from gaitcheck.video import VideoInfo
from helpers import stick_figure

INFO = VideoInfo(path="/videos/run.mp4", fps=30.0, frame_count=4, duration_s=4 / 30,
                 width=1280, height=720, rotation=90, codec="h264")


def make_tracks(n: int = 4) -> LandmarkTracks:
    image = np.stack([stick_figure(0.5, 0.5, 0.6, phase=t) for t in range(n)])
    image[1] = np.nan  # a frame without a pose
    world = np.random.default_rng(1).normal(size=(n, 33, 3)).astype(np.float32)
    world[1] = np.nan
    return LandmarkTracks(image=image, world=world, time_s=np.arange(n) / 30.0,
                          frame_index=np.arange(10, 10 + n), video=INFO,
                          source={"backend": "test", "model": {"sha256": "abc"}})


def test_skeleton_tables() -> None:
    assert len(LANDMARK_NAMES) == 33
    assert LM["left_heel"] == 29 and LM["right_foot_index"] == 32
    assert MIRROR[LM["left_knee"]] == LM["right_knee"] and MIRROR[LM["nose"]] == LM["nose"]
    assert all(MIRROR[MIRROR[i]] == i for i in range(33))


def test_derived_properties() -> None:
    tracks = make_tracks()
    assert tracks.detected.tolist() == [True, False, True, True]
    assert tracks.fps == pytest.approx(30.0)
    hip = tracks.xy_px("left_hip")
    assert hip.shape == (4, 2)
    assert hip[0, 0] == pytest.approx(tracks.image[0, LM["left_hip"], 0] * 1280)


def test_validation() -> None:
    good = make_tracks()
    with pytest.raises(ValueError, match="strictly increasing"):
        LandmarkTracks(good.image, good.world, np.zeros(4), good.frame_index, INFO)
    with pytest.raises(ValueError, match="image must be"):
        LandmarkTracks(good.image[:, :10], good.world, good.time_s, good.frame_index, INFO)


def test_npz_round_trip_is_exact(tmp_path: Path) -> None:
    tracks = make_tracks()
    path = save_tracks_npz(tracks, tmp_path / "landmarks.npz")
    back = load_tracks(path)
    np.testing.assert_array_equal(back.image, tracks.image)
    np.testing.assert_array_equal(back.world, tracks.world)
    np.testing.assert_array_equal(back.time_s, tracks.time_s)
    np.testing.assert_array_equal(back.frame_index, tracks.frame_index)
    assert back.video == tracks.video
    assert back.source == tracks.source
    with np.load(path) as raw:
        assert raw["detected"].tolist() == [True, False, True, True]
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind
    assert path.stat().st_mode & 0o044 == 0o044  # readable by others, like any file


def test_csv_layout(tmp_path: Path) -> None:
    tracks = make_tracks()
    path = save_tracks_csv(tracks, tmp_path / "landmarks.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    assert len(rows[0]) == 3 + 33 * 4
    assert rows[0]["frame"] == "10" and rows[1]["detected"] == "0"
    assert rows[1]["nose_x_px"] == ""  # missing pose: empty cell, not "nan"
    expected = tracks.image[2, LM["left_ankle"], 1] * 720
    assert float(rows[2]["left_ankle_y_px"]) == pytest.approx(expected, abs=0.01)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_tracks(tmp_path / "nope.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a gaitcheck landmarks file"):
        load_tracks(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", meta=np.array('{"format": "other/9"}'))
    with pytest.raises(InputError, match="unsupported format"):
        load_tracks(tmp_path / "other.npz")


def test_format_rows_matches_cell_by_cell_formatting() -> None:
    from gaitcheck.tracks.io import format_rows

    table = np.array([[3, 0.123456, np.nan, -0.0, 1e6 / 3],
                      [4, np.inf, -np.inf, -1.005, 2.5]])
    formats = ["%d", "%.4f", "%.2f", "%.2f", "%.3f"]
    expected = "".join(
        ",".join("" if not np.isfinite(v) else f"{v:{f[1:]}}" if f != "%d" else str(int(v))
                 for v, f in zip(row, formats, strict=True)) + "\r\n" for row in table)
    assert format_rows(table, formats, newline="\r\n") == expected
    assert expected.startswith("3,0.1235,,-0.00,333333.333\r\n4,,,")
