"""Leg collapses: both lower legs drawn towards each other for a frame or two."""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.collapse import collapse_frames


def _legs(n: int = 60, fps: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle of two legs swinging in antiphase (side view, pixels)."""
    t = np.arange(n) / fps
    phase = 2 * np.pi * 1.4 * t
    legs = []
    for sign in (1.0, -1.0):
        knee = np.stack([270 + sign * 55 * np.sin(phase), 640 + 10 * np.cos(phase)], -1)
        ankle = np.stack([270 + sign * 120 * np.sin(phase - 0.3), 740 + 40 * np.cos(phase)], -1)
        legs.append(np.stack([knee, ankle], 1))
    return legs[0], legs[1]


def test_two_frame_collapse_is_found() -> None:
    left, right = _legs()
    mid = (left + right) / 2
    for f in (31, 32):  # the model's CRF 35 glitch: both legs pulled to the middle
        left[f], right[f] = mid[f] + [12, 0], mid[f] - [12, 0]
    left[31:33, 1] += [25, 0]
    bad = collapse_frames(left, right, scale=150.0, max_len=3)
    assert np.flatnonzero(bad).tolist() == [31, 32]


def test_true_motion_and_one_foot_are_not_collapses() -> None:
    left, right = _legs()
    assert not collapse_frames(left, right, 150.0, max_len=3).any()
    jumped = left.copy()
    jumped[40, 1] += [150, 0]  # one foot misplaced: footjump's case
    assert not collapse_frames(jumped, right, 150.0, max_len=3).any()



def test_cleaning_drops_and_refills_a_collapse() -> None:
    """Synthetic runner: both lower legs pulled 60 % of the way towards each other for two frames
    where they are farthest apart (the CRF 35 render's glitch). Default cleaning keeps
    them; with ``leg_collapse`` they are dropped, refilled, and the knee is back near
    the truth."""
    from gaitcheck.synth.artefacts import Artefacts
    from gaitcheck.tracks.clean import clean_tracks
    from gaitcheck.tracks.settings import CleaningSettings
    from helpers import synthetic_tracks

    truth = synthetic_tracks("side-left", Artefacts(jitter_rel=0.003), seed=3,
                             duration_s=3.0)[1]
    lower = {s: [LM[f"{s}_{p}"] for p in ("knee", "ankle", "heel", "foot_index")]
             for s in ("left", "right")}
    xy = truth.xy_px()
    apart = np.linalg.norm(xy[:, LM["left_ankle"]] - xy[:, LM["right_ankle"]], axis=-1)
    t = 20 + int(np.argmax(apart[20:-20]))
    image = np.array(truth.image)
    size = np.array([truth.video.width, truth.video.height], float)
    for f in (t, t + 1):
        mid = (xy[f, lower["left"]] + xy[f, lower["right"]]) / 2
        for s in ("left", "right"):
            pulled = xy[f, lower[s]] + 0.6 * (mid - xy[f, lower[s]])
            image[f, lower[s], :2] = pulled / size
    glitched = dataclasses.replace(truth, image=image)

    def knee_err(settings: CleaningSettings | None) -> tuple[float, list[list[int]]]:
        res = clean_tracks(glitched, "run", settings=settings)
        e = np.linalg.norm(res.tracks.xy_px()[t:t + 2, LM["left_knee"]]
                           - xy[t:t + 2, LM["left_knee"]], axis=-1)
        return float(e.max()), res.report.get("legs_collapsed", [])

    shank = float(np.nanmedian(np.linalg.norm(xy[:, LM["left_knee"]]
                                              - xy[:, LM["left_ankle"]], axis=-1)))
    before, _ = knee_err(None)
    after, runs = knee_err(CleaningSettings(leg_collapse=True))
    assert runs == [[t, t + 2]]
    assert before > 0.1 * shank  # the glitch survives the default cleaning
    # 37.5 → 11.2 px on a 190 px shank (PCHIP across two frames at 30 fps).
    assert after < min(0.08 * shank, before / 3), (before, after, shank)
