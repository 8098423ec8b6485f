"""Exposure normalisation of dark clips before pose (gaitcheck.video.exposure)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from gaitcheck.pose.extract import run_pose
from gaitcheck.video.exposure import DARK_P90, exposure_lut, grey_percentiles, peek_exposure


@dataclass(frozen=True)
class _Frame:
    index: int
    time_s: float
    rgb: np.ndarray


def _frames(n: int, gain: float, offset: float = 0.0, seed: int = 0) -> list[_Frame]:
    """A textured scene (a bright wall, a darker runner-sized block), then exposed by
    ``gain`` and ``offset`` (grey levels) as the suite's "dim" transform does."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        img = np.full((240, 160, 3), 150.0) + rng.normal(0, 12, (240, 160, 3))
        img[60:200, 40 + i:80 + i] = 75.0 + rng.normal(0, 10, (140, 40, 3))
        out.append(_Frame(i, i / 30, np.clip(img * gain + offset, 0, 255).astype(np.uint8)))
    return out


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list:
        self.seen.append(rgb)
        return [None]  # "someone", so the pose hook runs


def test_a_normal_clip_is_untouched() -> None:
    """The no-op: not dark → no table, the landmarker gets the very same arrays."""
    frames = _frames(8, 1.0)
    it, exposure = peek_exposure(frames)
    assert exposure.lut is None and exposure.p90 is not None and exposure.p90 >= DARK_P90
    backend = _Recorder()
    assert exposure.wrap(backend) is backend
    run_pose(it, exposure.wrap(backend), every=100)
    assert len(backend.seen) == 8
    assert all(a is f.rgb for a, f in zip(backend.seen, frames, strict=True))
    assert exposure.apply(frames[0].rgb) is frames[0].rgb
    assert exposure.describe()["corrected"] is False


def test_a_dim_clip_is_stretched_back_for_the_landmarker_only() -> None:
    bright, dim = _frames(8, 1.0), _frames(8, 0.7, -51.0)  # y·0.5, contrast 1.4
    it, exposure = peek_exposure(dim)
    assert exposure.lut is not None and exposure.p90 is not None and exposure.p90 < DARK_P90
    backend, hook_seen = _Recorder(), []
    run_pose(it, exposure.wrap(backend), every=100,
             on_pose=lambda f, found: hook_seen.append(f.rgb))
    assert len(backend.seen) == 8
    p90_in = np.median([grey_percentiles(f.rgb)[1] for f in dim])
    p90_out = np.median([grey_percentiles(a)[1] for a in backend.seen])
    p90_ref = np.median([grey_percentiles(f.rgb)[1] for f in bright])
    assert p90_in < DARK_P90 and abs(p90_out - 184) <= 2 and abs(p90_out - p90_ref) < 30
    # the runner stands out from the wall at least as much as before dimming
    wall = lambda a: a[10:50, :, :].mean()  # noqa: E731
    body = lambda a: a[80:180, 45:75, :].mean()  # noqa: E731
    c_ref, c_dim = (wall(f.rgb) - body(f.rgb) for f in (bright[0], dim[0]))
    c_out = wall(backend.seen[0]) - body(backend.seen[0])
    assert c_dim < 0.75 * c_ref and c_out > 0.9 * c_ref, (c_dim, c_out, c_ref)
    assert hook_seen[0] is dim[0].rgb  # reports keep the frame as filmed
    assert np.all(np.diff(exposure.lut.astype(int)) >= 0) and exposure.lut[0] == 0


def test_the_decision_is_the_same_for_a_clip_and_its_mirror() -> None:
    dim = _frames(6, 0.4, -20.0, seed=3)
    mirrored = [_Frame(f.index, f.time_s, f.rgb[:, ::-1].copy()) for f in dim]
    (_, a), (_, b) = peek_exposure(dim), peek_exposure(mirrored)
    assert (a.p1, a.p90) == (b.p1, b.p90) and a.lut is not None and b.lut is not None
    assert np.array_equal(a.lut, b.lut)


def test_every_frame_comes_back_in_order() -> None:
    for n in (0, 3, 12):
        frames = _frames(n, 0.5)
        it, _ = peek_exposure(frames)
        assert [f.index for f in it] == list(range(n))


def test_lut_values() -> None:
    assert exposure_lut(2.0, 172.0) is None and exposure_lut(0.0, DARK_P90) is None
    assert exposure_lut(36.0, 86.0) is None  # the overground sample: dim-ish, left alone
    lut = exposure_lut(0.0, 53.0)
    assert lut is not None and lut.dtype == np.uint8 and lut.shape == (256,)
    # 53 → 170 linearly, then gamma 0.8: 255 · (170/255)^0.8 = 184
    assert lut[0] == 0 and lut[53] == 184 and lut[255] == 255
    assert exposure_lut(10.0, 20.0)[15] == round(255 * (5 * 4 / 255) ** 0.8)  # gain capped at 4


def test_a_corrected_clip_is_reported() -> None:
    from gaitcheck.tracks.quality import assess_quality
    from helpers import synthetic_tracks

    tracks = synthetic_tracks("side-left", duration_s=3.0)[1]
    _, exposure = peek_exposure(_frames(5, 0.7, -51.0))
    plain = [w["code"] for w in assess_quality(tracks)["warnings"]]
    dark = dataclasses.replace(tracks, source=tracks.source | {"exposure": exposure.describe()})
    codes = [w["code"] for w in assess_quality(dark)["warnings"]]
    assert "dark_video_corrected" not in plain and "dark_video_corrected" in codes
