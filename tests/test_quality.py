"""Data-quality summary: coverage, visibility per body part, warnings."""

from __future__ import annotations

import numpy as np
import pytest

from gaitcheck.landmarks import BODY_PARTS
from gaitcheck.tracks import LandmarkTracks
from gaitcheck.tracks.quality import assess_quality
from gaitcheck.video import VideoInfo
from helpers import stick_figure


def tracks_of(n: int, fps: float = 30.0, missing: slice | None = None,
              far_leg_vis: float = 0.9) -> LandmarkTracks:
    image = np.stack([stick_figure(0.5, 0.5, 0.6, phase=t / 3) for t in range(n)])
    image[:, BODY_PARTS["right_leg"], 3] = far_leg_vis
    if missing is not None:
        image[missing] = np.nan
    info = VideoInfo("/v.mp4", fps, n, n / fps, 640, 480, 0, "h264")
    return LandmarkTracks(image, np.zeros((n, 33, 3), np.float32), np.arange(n) / fps,
                          np.arange(n), info)


def codes(q: dict) -> set[str]:
    return {w["code"] for w in q["warnings"]}


def test_clean_tracks_have_no_warnings() -> None:
    q = assess_quality(tracks_of(300))
    assert q["frames"] == 300 and q["frames_with_pose"] == 300
    assert q["pose_coverage"] == 1.0
    assert q["duration_s"] == pytest.approx(10.0)
    assert q["mean_visibility"]["torso"] == pytest.approx(0.9, abs=1e-6)
    assert q["warnings"] == []


def test_gaps_and_occluded_leg_are_reported() -> None:
    q = assess_quality(tracks_of(300, missing=slice(100, 160), far_leg_vis=0.2))
    assert q["pose_coverage"] == pytest.approx(0.8)
    assert q["longest_gap_s"] == pytest.approx(2.0)
    assert q["mean_visibility"]["right_leg"] == pytest.approx(0.2, abs=1e-6)
    assert {"low_pose_coverage", "low_visibility_right_leg"} <= codes(q)


def test_short_low_fps_truncated_crowded() -> None:
    q = assess_quality(tracks_of(40, fps=15.0), truncated=True, frames_with_others=12)
    assert {"short_clip", "low_frame_rate", "video_truncated", "other_people"} <= codes(q)
    message = next(w["message"] for w in q["warnings"] if w["code"] == "low_frame_rate")
    assert "±67 ms" in message
