"""Frames without a measurable posture (gaitcheck.tracks.unusable) and their removal by
the cleaning: the body cut by the picture edge, and a torso that is not the runner's."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.unusable import cut_by_edge, implausible_torso
from helpers import synthetic_tracks


def _trunk_deg(tracks) -> np.ndarray:
    p = tracks.xy_px()
    d = (p[:, [LM["left_shoulder"], LM["right_shoulder"]]].mean(1)
         - p[:, [LM["left_hip"], LM["right_hip"]]].mean(1))
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def _leaving(mirror: bool):
    """A side-view runner whose picture slides so the body leaves it over the last
    30 frames (head first), or the same clip mirrored."""
    raw = synthetic_tracks("side-left", Artefacts(jitter_rel=0.003), seed=2)[1]
    image = raw.image.astype(np.float64)
    n = raw.n_frames
    shift = np.clip((np.arange(n) - (n - 30)) / 30, 0, None) * 0.9  # of the width
    image[:, :, 0] += 0.5 - np.nanmedian(image[:, :, 0]) + shift[:, None]
    image[:, :, 3] = np.where(image[:, :, 0] > 1, 0.3, image[:, :, 3])
    if mirror:
        image[:, :, 0] = 1.0 - image[:, :, 0]
    return dataclasses.replace(raw, image=image)


def test_frames_cut_by_the_edge_are_left_out_the_same_way_when_mirrored() -> None:
    plain, mirrored = _leaving(False), _leaving(True)
    points, frames = cut_by_edge(plain.image)
    points_m, frames_m = cut_by_edge(mirrored.image)
    assert np.array_equal(points, points_m) and np.array_equal(frames, frames_m)
    n = plain.n_frames
    assert not frames[: n - 30].any() and frames[-15:].all()
    core_out = (plain.image[:, [LM["nose"], LM["left_shoulder"], LM["right_hip"]], 0] > 1)
    assert frames[core_out.any(axis=1)].all()
    reports = [clean_tracks(t, "run") for t in (plain, mirrored)]
    for res in reports:
        first = int(np.argmax(frames))
        assert res.report["edge_frames_dropped"] == [[first, n]]
        assert "body_cut_by_edge" in [w["code"] for w in res.report["warnings"]]
        assert np.isnan(res.tracks.image[first:, :, :2]).all()  # nothing extrapolated
    a, b = (np.nanmean(_trunk_deg(r.tracks)) for r in reports)
    assert abs(a + b) < 0.05  # the mirror only flips the sign


def test_border_points_count_only_when_poorly_visible() -> None:
    image = np.full((3, 33, 4), 0.5)
    image[:, :, 3] = 0.9
    image[0, LM["nose"], 0] = 0.995   # in the border band, visible: measured
    image[1, LM["nose"], 0] = 0.995   # the same, poorly visible: not measured
    image[1, LM["nose"], 3] = 0.2
    image[2, LM["left_wrist"], 0] = -0.2  # a hand outside: that point only
    points, frames = cut_by_edge(image)
    assert points.sum() == 2 and points[1, LM["nose"]] and points[2, LM["left_wrist"]]
    assert frames.tolist() == [False, True, False]
    tracks = synthetic_tracks("side-left", duration_s=2.0)[1]
    image = tracks.image.copy()
    image[10:20, LM["left_foot_index"], 1] = 1.02  # a toe below the picture: kept
    image[30, LM["right_shoulder"], 0] = -0.01  # the trunk cut: the frame goes
    res = clean_tracks(dataclasses.replace(tracks, image=image), "run", cutoff_hz=0)
    assert res.report["edge_frames_dropped"] == [[30, 31]] and res.interpolated[30].all()
    assert np.allclose(res.tracks.image[10:20, LM["left_foot_index"], 1], 1.02)


@pytest.mark.parametrize("view", ["side-left", "side-right", "front", "back", "oblique"])
def test_no_plausible_frame_is_flagged(view: str) -> None:
    for seed in (0, 1):
        raw = synthetic_tracks(view, Artefacts.realistic(), seed=seed)[1]
        odd = implausible_torso(raw.xy_px(), raw.fps)
        assert not odd.any(), np.flatnonzero(odd)


def test_lost_pose_frames_are_left_out_and_the_trunk_is_kept() -> None:
    """The shared walking clip's failures: the trunk drawn onto an arm for 4 frames in
    the middle (turned 30–70°), the pose upside down on the last frames before the model
    loses the walker. Trunk lean must not move by them."""
    truth = synthetic_tracks("side-left")[1]
    raw = synthetic_tracks("side-left", Artefacts(jitter_rel=0.003), seed=4)[1]
    image = raw.image.copy()
    sh = [LM["left_shoulder"], LM["right_shoulder"]]
    hips = [LM["left_hip"], LM["right_hip"]]
    mid = slice(100, 104)
    image[mid, sh, 0] += 0.12  # shoulders pulled forward onto the arm
    image[mid, sh, 1] += 0.05
    n = raw.n_frames
    image[n - 2:, sh], image[n - 2:, hips] = image[n - 2:, hips], image[n - 2:, sh].copy()
    broken = dataclasses.replace(raw, image=image)
    odd = implausible_torso(broken.xy_px(), broken.fps)
    assert np.flatnonzero(odd).tolist() == [100, 101, 102, 103, n - 2, n - 1]
    res = clean_tracks(broken, "run")
    assert res.report["implausible_frames_dropped"] == [[100, 104], [n - 2, n]]
    assert "implausible_pose" in [w["code"] for w in res.report["warnings"]]
    assert res.interpolated[mid].all()  # filled from the frames around
    assert np.isnan(res.tracks.image[n - 2:, :, 0]).all()  # at the end: left out
    err = np.nanmean(_trunk_deg(res.tracks)) - np.nanmean(_trunk_deg(truth))
    before = np.nanmean(_trunk_deg(clean_tracks(raw, "run").tracks)) - np.nanmean(
        _trunk_deg(truth))
    assert abs(err - before) < 0.1, (err, before)
    assert abs(np.nanmean(_trunk_deg(clean_tracks(broken, "run", settings=dataclasses.replace(
        res_settings(), torso_max_turn_deg=360.0, torso_max_length_ratio=100.0)).tracks))
        - np.nanmean(_trunk_deg(truth))) > 0.5  # without the check the trunk moves


def res_settings():
    from gaitcheck.tracks.settings import CleaningSettings

    return CleaningSettings()
