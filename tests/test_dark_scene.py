"""The scene on a dark clip: scene lines on the brightened frames, the belt cue on the
feet the model sees, and a report that says what the black shadows took away.

Measured on the consistency suite's dimmed real treadmill clip (``lutyuv=y=val*0.5,
eq=contrast=1.4``; 31 % of the picture clipped to black): the frames as filmed gave no
scene line at all (ground read from the feet at −5.0° against +0.7° from plumb lines
undimmed), the brightened ones +0.85°; the setting was "unknown" (stance direction 0.56
with every foot guess), with the feet seen at visibility ≥ 0.7 it is "treadmill" again.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.setting import MIN_FOOT_VISIBILITY, decide_setting
from gaitcheck.video._cv import cv2
from gaitcheck.video.exposure import Exposure, exposure_lut, lut_of, peek_exposure
from gaitcheck.video.lines import scene_lines

ROLL_DEG = 2.0


def _room(level: float, shadow: float) -> np.ndarray:
    """A grey room 360 × 640: a wall at ``level``, door and cupboard frames (plumb lines
    rolled by :data:`ROLL_DEG`) a little darker, and a floor in ``shadow``."""
    img = np.full((360, 640), level, np.float32)
    t = np.tan(np.radians(ROLL_DEG))
    for x0 in (60, 130, 420, 480, 560):
        for y in range(0, 280):
            x = round(x0 + (280 - y) * t)
            img[y, x:x + 6] = 0.55 * level
    img[280:] = shadow
    return np.clip(img, 0, 255).astype(np.uint8)


def _tracks(n: int, exposure: dict | None) -> SimpleNamespace:
    source = {} if exposure is None else {"exposure": exposure}
    return SimpleNamespace(frame_index=np.arange(n), source=source,
                           xy_px=lambda: np.full((n, 33, 2), np.nan))


def test_scene_lines_of_a_dark_clip_are_read_on_the_brightened_frames() -> None:
    bright = [(i, _room(150.0, 60.0), 1.0) for i in range(8)]
    # The dim transform on grey: 0.7 · g − 51, clipped (the door frames go to 31, the
    # wall to 54, the floor to black).
    dark = [(i, np.clip(0.7 * g.astype(np.float32) - 51.0, 0, 255).astype(np.uint8), s)
            for i, g, s in bright]
    record = Exposure(0.0, float(np.percentile(dark[0][1], 90)),
                      exposure_lut(0.0, float(np.percentile(dark[0][1], 90)))).describe()
    assert record["corrected"]
    ref = scene_lines(bright, _tracks(8, None))
    as_filmed = scene_lines(dark, _tracks(8, None))
    corrected = scene_lines(dark, _tracks(8, record))
    assert ref["image_roll_deg"] is not None and abs(abs(ref["image_roll_deg"]) - ROLL_DEG) < 0.3
    # As filmed the dark wall is taken for padding: no plumb line survives.
    assert as_filmed["image_roll_deg"] is None, as_filmed
    assert corrected["image_roll_deg"] is not None
    assert abs(corrected["image_roll_deg"] - ref["image_roll_deg"]) < 0.3, corrected
    # A clip that was not corrected is read as filmed (the record says so).
    plain = Exposure(3.0, 170.0, None).describe()
    assert lut_of(plain) is None
    assert scene_lines(dark, _tracks(8, plain))["image_roll_deg"] is None


def test_lut_of_rebuilds_the_table_from_the_record() -> None:
    frames = [SimpleNamespace(rgb=np.full((120, 90, 3), v, np.uint8)) for v in (20, 25, 30)]
    for f in frames:
        f.rgb[:40] = 0
    _, exposure = peek_exposure(frames)
    record = exposure.describe()
    assert exposure.lut is not None and np.array_equal(lut_of(record), exposure.lut)
    assert abs(record["black_share"] - 1 / 3) < 0.02
    assert lut_of(None) is None and lut_of({}) is None


def _treadmill(seed: int = 0):
    from helpers import synthetic_tracks

    return synthetic_tracks("side-left", duration_s=8.0, seed=seed)[1]


def test_the_belt_is_read_on_the_feet_the_model_sees() -> None:
    """Foot guesses the model rates unseen (a dark shadow) stray about the stance foot;
    left in, they make the stance motion inconsistent and the setting unknown."""
    tracks = _treadmill()
    px = tracks.xy_px()
    vis = tracks.image[:, :, 3].copy()
    t = tracks.time_s
    height = float(np.nanmedian(np.nanmax(px[:, :, 1], axis=1) - np.nanmin(px[:, :, 1], axis=1)))
    clean = decide_setting(px, t, height, {}, vis)
    assert clean[0] == "treadmill"
    rng = np.random.default_rng(1)
    bad = px.copy()
    feet = [LM[f"{s}_{p}"] for s in ("left", "right") for p in ("ankle", "heel", "foot_index")]
    # In 60 % of frames both feet are guessed: near the true stance foot height, but
    # anywhere along the belt (the model guessing into a black shadow).
    guessed = rng.random(len(t)) < 0.6
    low = np.nanmax(px[:, feet, 1], axis=1)
    for i in np.flatnonzero(guessed):
        bad[i, feet, 0] = np.nanmean(px[i, feet, 0]) + rng.normal(0, 0.15 * height)
        bad[i, feet, 1] = low[i] - np.abs(rng.normal(0, 0.01 * height, len(feet)))
        vis[i, feet] = rng.uniform(0.1, MIN_FOOT_VISIBILITY - 0.05, len(feet))
    blind = decide_setting(bad, t, height, {})
    seeing = decide_setting(bad, t, height, {}, vis)
    assert blind[0] != "treadmill", blind[2]
    assert seeing[0] == "treadmill" and seeing[1] >= 0.8, seeing[2]


def test_visibility_changes_nothing_when_the_feet_are_seen() -> None:
    tracks = _treadmill(seed=2)
    px, vis = tracks.xy_px(), tracks.image[:, :, 3]
    height = float(np.nanmedian(np.nanmax(px[:, :, 1], axis=1) - np.nanmin(px[:, :, 1], axis=1)))
    seen = np.where(np.isfinite(vis), 1.0, vis)
    a = decide_setting(px, tracks.time_s, height, {})
    b = decide_setting(px, tracks.time_s, height, {}, seen)
    assert a == b


def test_a_dark_clip_with_black_shadows_says_what_is_lost() -> None:
    from gaitcheck.tracks.quality import LOST_BLACK_SHARE, assess_quality

    tracks = _treadmill()

    def message(black: float) -> str:
        record = Exposure(0.0, 52.0, exposure_lut(0.0, 52.0), black).describe()
        dark = dataclasses.replace(tracks, source=tracks.source | {"exposure": record})
        (w,) = [w for w in assess_quality(dark)["warnings"]
                if w["code"] == "dark_video_corrected"]
        return w["message"]

    assert "pure black" in message(0.31) and "31%" in message(0.31)
    assert "pure black" not in message(LOST_BLACK_SHARE / 2)


def test_brightening_a_grey_frame_matches_the_rgb_table() -> None:
    """The scene lines brighten the grey thumbnail with the RGB table: on grey pixels
    the two are the same image."""
    lut = exposure_lut(0.0, 40.0)
    assert lut is not None
    grey = np.tile(np.arange(0, 120, dtype=np.uint8), (4, 1))
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    assert np.array_equal(cv2.cvtColor(cv2.LUT(rgb, lut), cv2.COLOR_RGB2GRAY),
                          cv2.LUT(grey, lut))


def test_a_dark_clip_with_black_shadows_gets_capped_confidences() -> None:
    from gaitcheck.metrics.result import Metric
    from gaitcheck.tracks.quality import DARK_CONFIDENCE, dark_clip_confidence

    metrics = {k: Metric(k, 1.0, "x", 0.9, ("side",)) for k in
               ("cadence_spm", "step_time_ms", "trunk_lean_deg", "knee_flexion_ic_deg")}

    def source(black: float | None, corrected: bool = True) -> dict:
        lut = exposure_lut(0.0, 52.0) if corrected else None
        return {"exposure": Exposure(0.0, 52.0, lut, black).describe()}

    capped = dark_clip_confidence(metrics, source(0.31))
    assert capped["cadence_spm"].confidence == 0.9 and capped["step_time_ms"].confidence == 0.9
    assert capped["trunk_lean_deg"].confidence == DARK_CONFIDENCE
    assert capped["knee_flexion_ic_deg"].confidence == DARK_CONFIDENCE
    for kept in (source(0.05), source(0.31, corrected=False), {}, source(None)):
        assert dark_clip_confidence(metrics, kept) is metrics
