"""Canonical facing (gaitcheck.pose.canonical): the landmark mapping, the facing decision
and the restart on flipped frames, without the pose model."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from gaitcheck.landmarks import LM, MIRROR, N_LANDMARKS
from gaitcheck.pose.backend import PoseCandidate
from gaitcheck.pose.canonical import (
    DECIDE_FRAMES,
    CanonicalFactory,
    FacingDecision,
    RestartFlipped,
    facing_evidence,
    unflip_candidate,
)


def _random_candidate(seed: int = 0) -> PoseCandidate:
    rng = np.random.default_rng(seed)
    return PoseCandidate(image=rng.random((N_LANDMARKS, 5)).astype(np.float32),
                         world=rng.normal(size=(N_LANDMARKS, 3)).astype(np.float32))


def _runner(facing: str, cx: float = 0.5) -> PoseCandidate:
    """A side-view runner's landmarks (normalised, 100x100 frame) facing ``facing``:
    toes and nose ahead of heels and ears."""
    s = -1.0 if facing == "left" else 1.0
    img = np.full((N_LANDMARKS, 5), 0.9, np.float32)
    img[:, 0], img[:, 1] = cx, 0.5
    for side in ("left", "right"):
        img[LM[f"{side}_ear"], :2] = (cx, 0.15)
        img[LM[f"{side}_shoulder"], :2] = (cx, 0.25)
        img[LM[f"{side}_hip"], :2] = (cx, 0.5)
        img[LM[f"{side}_ankle"], :2] = (cx, 0.9)
        img[LM[f"{side}_heel"], :2] = (cx - s * 0.02, 0.92)
        img[LM[f"{side}_foot_index"], :2] = (cx + s * 0.08, 0.93)
    img[LM["nose"], :2] = (cx + s * 0.04, 0.16)
    return PoseCandidate(image=img, world=np.zeros((N_LANDMARKS, 3), np.float32))


def test_unflip_maps_x_swaps_sides_and_is_its_own_inverse() -> None:
    cand = _random_candidate()
    out = unflip_candidate(cand)
    # The model's "right shoulder" on the flipped frame is the subject's left one.
    left, right = LM["left_shoulder"], LM["right_shoulder"]
    assert out.image[left, 0] == pytest.approx(1.0 - cand.image[right, 0])
    assert out.image[left, 1:] == pytest.approx(cand.image[right, 1:])
    assert out.world[left] == pytest.approx(cand.world[right] * (-1, 1, 1))
    nose = LM["nose"]
    assert out.image[nose, 0] == pytest.approx(1.0 - cand.image[nose, 0])
    back = unflip_candidate(out)
    np.testing.assert_allclose(back.image, cand.image, atol=1e-6)
    np.testing.assert_allclose(back.world, cand.world, atol=1e-6)
    assert out.image is not cand.image and sorted(MIRROR) == list(range(N_LANDMARKS))


def test_landmarks_on_a_flipped_frame_map_back_onto_the_frame() -> None:
    """A point drawn on a frame, found on the flipped frame, maps back to its pixel."""
    from gaitcheck.video._cv import cv2

    frame = np.zeros((40, 100, 3), np.uint8)
    frame[10, 23] = 255  # the subject's left ear, say
    flipped = cv2.flip(frame, 1)
    y, x = np.argwhere(flipped[:, :, 0])[0]
    seen = np.zeros((N_LANDMARKS, 5), np.float32)
    seen[LM["right_ear"], :2] = ((x + 0.5) / 100, (y + 0.5) / 40)  # named by the model
    out = unflip_candidate(PoseCandidate(seen, np.zeros((N_LANDMARKS, 3), np.float32)))
    assert out.image[LM["left_ear"], 0] * 100 - 0.5 == pytest.approx(23.0, abs=1e-4)
    assert out.image[LM["left_ear"], 1] * 40 - 0.5 == pytest.approx(10.0, abs=1e-4)


def test_facing_evidence_sign_and_mirror() -> None:
    left = facing_evidence(_runner("left").image, (100, 100))
    right = facing_evidence(_runner("right").image, (100, 100))
    assert left is not None and right is not None
    assert left[0] == pytest.approx(0.25) and left[1] == pytest.approx(0.1)
    assert right[0] == pytest.approx(-left[0]) and right[1] == pytest.approx(-left[1])


@pytest.mark.parametrize(("facing", "flip"), [("left", False), ("right", True)])
def test_decision_from_the_first_frames(facing: str, flip: bool) -> None:
    decision = FacingDecision()
    flips = [decision.add([_runner(facing)], (100, 100), 33 * k)
             for k in range(DECIDE_FRAMES)]
    assert flips == [False] * (DECIDE_FRAMES - 1) + [flip]
    assert decision.facing == facing and decision.flip is flip
    assert decision.describe()["flipped"] is flip


def test_a_front_view_is_not_flipped() -> None:
    """Feet pointing at the camera and a centred nose: no side view, no flip."""
    front = _runner("left")
    for side in ("left", "right"):
        front.image[LM[f"{side}_foot_index"], 0] = front.image[LM[f"{side}_heel"], 0]
    front.image[LM["nose"], 0] = 0.5
    decision = FacingDecision()
    for k in range(DECIDE_FRAMES):
        assert not decision.add([front], (100, 100), 33 * k)
    assert decision.flip is None  # still looking for someone seen from the side
    assert not decision.add([front], (100, 100), 3100)
    assert decision.flip is False and decision.facing is None


def test_a_side_view_beside_someone_facing_the_camera() -> None:
    """A bystander facing the camera does not hide the runner seen from the side, and
    a one-person pass that followed only the bystander leaves the decision to the next
    pass (the second look)."""
    front = _runner("left")
    for side in ("left", "right"):
        front.image[LM[f"{side}_foot_index"], 0] = front.image[LM[f"{side}_heel"], 0]
    decision = FacingDecision()
    assert not decision.add([front], (100, 100), 0)
    decision.settle()
    assert decision.flip is False and decision.facing is None
    decision.reopen()
    flips = [decision.add([front, _runner("right", cx=0.7)], (100, 100), 33 * k)
             for k in range(DECIDE_FRAMES)]
    assert flips[-1] and decision.facing == "right"
    decision.reopen()  # decided: stays
    assert decision.flip is True


def test_nobody_in_time_is_no_flip() -> None:
    decision = FacingDecision()
    assert not decision.add([], (100, 100), 0)
    assert decision.flip is None
    assert not decision.add([], (100, 100), 3100)
    assert decision.flip is False and decision.facing is None


class _Inner:
    def __init__(self, facing: str) -> None:
        self.facing, self.frames, self.closed = facing, [], False

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        self.frames.append(rgb)
        # The "model" sees the runner face the way the pixels say: column 0 marked
        # means the picture is as filmed.
        seen = self.facing if rgb[0, 0, 0] else {"left": "right", "right": "left"}[
            self.facing]
        return [_runner(seen, cx=0.3)]

    def describe(self) -> dict:
        return {"backend": "inner"}

    def close(self) -> None:
        self.closed = True


def test_backend_restarts_then_flips_and_maps_back() -> None:
    factory = CanonicalFactory(lambda options: _Inner("right"))
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[0, 0] = 255
    backend = factory(None)
    with pytest.raises(RestartFlipped) as raised:
        for k in range(DECIDE_FRAMES):
            backend.detect(frame, 33 * k)
    assert raised.value.spare is not None
    raised.value.spare.drop()
    again = factory(None)  # the restarted pass: every frame flipped
    found = again.detect(frame, 0)
    assert not again.inner.frames[0][0, 0, 0] and again.inner.frames[0][0, -1, 0]
    # The inner model saw a left-facing runner at x 0.3; mapped back: facing right at 0.7.
    assert found[0].image[LM["nose"], 0] == pytest.approx(0.7 + 0.04)
    assert facing_evidence(found[0].image, (100, 100))[0] < 0
    assert factory.decision.describe() | {"evidence": None} == {
        "canonical": "left", "flipped": True, "facing": "right", "evidence": None}


def test_later_segment_gives_no_evidence() -> None:
    """In a split pass only the backend that saw the window's start decides."""
    factory = CanonicalFactory(lambda options: _Inner("right"))
    factory.decision.start_ms = 0.0
    factory.decision.close_window()  # the first segment ended without deciding
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[0, 0] = 255
    later = factory(None)
    for k in range(3 * DECIDE_FRAMES):
        later.detect(frame, 5000 + 33 * k)
    assert factory.decision.flip is None


class _FilmedRight:
    """A "model" for a video whose top-left corner is white and top-right black as
    filmed: the runner faces
    image-right at x 0.7 with the left ankle raised; on the flipped frame it reports
    what a mirror shows, a runner facing left at x 0.3 whose raised ankle is named
    "right". Like MediaPipe's VIDEO mode it carries state from frame to frame: the left
    wrist's x is a hash of every frame and timestamp seen so far, so two models agree
    there only when shown the same frames in the same order from their first."""

    made: ClassVar[list[_FilmedRight]] = []

    def __init__(self) -> None:
        self.seen: list[tuple[int, bool]] = []  # (timestamp ms, as filmed)
        self.state = 0
        self.closed = False
        _FilmedRight.made.append(self)

    @property
    def calls(self) -> int:
        return len(self.seen)

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
        as_filmed = rgb[2, 2].mean() > rgb[2, -3].mean()
        self.seen.append((timestamp_ms, bool(as_filmed)))
        self.state = (self.state * 31 + int(rgb[::7, ::7].sum()) + timestamp_ms) % 1000003
        cand = _runner("right" if as_filmed else "left", 0.7 if as_filmed else 0.3)
        cand.image[LM["left_ankle" if as_filmed else "right_ankle"], 1] = 0.8
        cand.image[LM["right_wrist" if as_filmed else "left_wrist"], 0] = self.state / 1e7
        return [cand]

    def describe(self) -> dict:
        return {"backend": "filmed-right"}

    def close(self) -> None:
        self.closed = True


def _filmed_right_clip(ffmpeg: str, path: Path, seconds: float) -> Path:
    from helpers import make_video

    return make_video(ffmpeg, path, "-vf",
                      "drawbox=x=0:y=0:w=16:h=16:color=white:t=fill,"
                      "drawbox=x=iw-16:y=0:w=16:h=16:color=black:t=fill",
                      seconds=seconds, size="320x180")


@pytest.mark.parametrize(("seconds", "jobs"), [(1.0, 1), (5.0, 2)])
def test_pose_pass_restarts_on_flipped_frames(tmp_path, ffmpeg: str, seconds: float,
                                              jobs: int) -> None:
    """The pass restarts from frame 0 once the first 10 frames show a runner facing
    right; every analysed frame then comes from the flipped picture, mapped back with
    the subject's own sides, in a single and in a split pass. The restart's landmarker
    is the spare that ran on the flipped frames meanwhile (no further model load), and a
    later segment waits for the decision instead of starting over."""
    from gaitcheck.pipeline import AnalyzeOptions, run_video

    video = _filmed_right_clip(ffmpeg, tmp_path / "clip.mp4", seconds)
    _FilmedRight.made.clear()
    result = run_video(video, AnalyzeOptions(jobs=jobs),
                       backend_factory=CanonicalFactory(lambda options: _FilmedRight()))
    source = result.tracks.source
    assert source["canonical_facing"]["flipped"] is True
    assert source["canonical_facing"]["facing"] == "right"
    assert source.get("segments", {}).get("jobs", 1) == jobs
    made = _FilmedRight.made
    # One model saw the frames as filmed: the decision's 10, from the first frame on.
    filmed = [m for m in made if any(f for _, f in m.seen)]
    assert len(filmed) == 1 and filmed[0].calls == DECIDE_FRAMES
    assert [t for t, _ in filmed[0].seen] == [round(1000 * k / 30) for k in range(10)]
    # Every other model saw flipped frames only, from its segment's first frame on:
    # the spare, one per later segment, and as many again for the second look (a
    # "person" who does not step), flipped at once. No model is loaded for the restart.
    assert len(made) in (1 + jobs, 1 + 2 * jobs)
    assert all(not f for m in made if m not in filmed for _, f in m.seen)
    assert sum(m.seen[0][0] == 0 for m in made if m not in filmed) == (len(made) - 1) // jobs
    assert all(m.closed for m in made)
    image = result.tracks.image
    assert image.shape[0] == round(30 * seconds)
    np.testing.assert_allclose(image[:, LM["left_ankle"], 1], 0.8, atol=1e-6)
    np.testing.assert_allclose(image[:, LM["right_ankle"], 1], 0.9, atol=1e-6)
    np.testing.assert_allclose(image[:, LM["nose"], 0], 0.7 + 0.04, atol=1e-6)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_spare_gives_the_plain_restarts_landmarks(tmp_path, ffmpeg: str, jobs: int,
                                                      monkeypatch) -> None:
    """The spare landmarker, run on the flipped frames while the first ones decide, is
    the plain restart's landmarker: the same landmarks, bit for bit (the stateful
    model's hash of every frame it saw included)."""
    from gaitcheck.pipeline import AnalyzeOptions, run_video
    from gaitcheck.pose import canonical

    video = _filmed_right_clip(ffmpeg, tmp_path / "clip.mp4", 5.0)

    def run() -> np.ndarray:
        _FilmedRight.made.clear()
        return run_video(video, AnalyzeOptions(jobs=jobs), backend_factory=CanonicalFactory(
            lambda options: _FilmedRight())).tracks.image

    spared = run()
    assert len(_FilmedRight.made) <= 1 + 2 * jobs  # no model loaded for the restart

    def plain(self, options):  # today's restart: a new model from frame 0
        return canonical.CanonicalBackend(self.inner(options), self.decision)

    monkeypatch.setattr(CanonicalFactory, "__call__", plain)
    restarted = run()
    assert len(_FilmedRight.made) > 1 + jobs
    assert np.array_equal(spared, restarted, equal_nan=True)
    # The hash moves from frame to frame (the check has teeth).
    assert len(np.unique(spared[:, LM["right_wrist"], 0])) > 100


def test_a_wrong_lean_drops_the_spare() -> None:
    """The first side-view frame faces right, the next nine left: the spare starts,
    the decision is not to flip, and the spare is closed, the pass going on unflipped."""
    from gaitcheck.pose.spare import Spare

    class _Turning:
        def __init__(self) -> None:
            self.n = 0
            self.closed = False

        def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
            self.n += 1
            return [_runner("right" if self.n == 1 else "left")]

        def close(self) -> None:
            self.closed = True

    made: list[_Turning] = []

    def make(options: object) -> _Turning:
        made.append(_Turning())
        return made[-1]

    factory = CanonicalFactory(make)  # type: ignore[arg-type]
    backend = factory(None)
    frame = np.zeros((100, 100, 3), np.uint8)
    backend.detect(frame, 0)
    spare = backend._spare
    assert isinstance(spare, Spare) and factory.decision.lean == "right"
    for k in range(1, DECIDE_FRAMES):
        backend.detect(frame, 33 * k)
    assert factory.decision.flip is False and factory.decision.facing == "left"
    assert backend._spare is None
    spare.join()
    assert len(made) == 2 and made[1].closed and not made[0].closed
    backend.close()
    assert made[0].closed


def test_a_later_segment_gives_no_evidence_whatever_the_thread_timing() -> None:
    """In a split pass a later segment may reach its first frames before the first
    segment does; its frames must not decide (nor be pooled with the first segment's),
    so the decision is the single pass's whatever the threads' timing. (It now waits for
    the first segment's first frame, which shows the facing here; the frames of both
    then interleave as the threads run.)"""
    from gaitcheck.pose.canonical import CanonicalBackend

    class _Fixed:
        def __init__(self, cand: PoseCandidate) -> None:
            self.cand = cand

        def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list[PoseCandidate]:
            return [self.cand]

    decision = FacingDecision(start_ms=0.0)
    first = CanonicalBackend(_Fixed(_runner("left")), decision)  # type: ignore[arg-type]
    later = CanonicalBackend(_Fixed(_runner("right")), decision)  # type: ignore[arg-type]
    frame = np.zeros((100, 100, 3), np.uint8)
    # The later segment (from 0.8 s) reaches its frames first: it waits until the first
    # segment's first frame shows which way the subject faces, then both run at once.
    import threading

    ahead = threading.Thread(target=lambda: [later.detect(frame, 800 + 33 * k)
                                             for k in range(3 * DECIDE_FRAMES)])
    ahead.start()
    ahead.join(0.2)
    assert ahead.is_alive() and decision.flip is None
    for k in range(DECIDE_FRAMES):
        first.detect(frame, 33 * k)
    ahead.join(5.0)
    assert not ahead.is_alive()
    assert decision.flip is False and decision.facing == "left"
    assert decision.evidence["side_view_frames"] == DECIDE_FRAMES


def test_a_later_segment_that_saw_frames_unflipped_restarts_the_pass() -> None:
    """A later segment that ran before the facing was known (its wait given up, or the
    first segment gone) must not mix unflipped and flipped frames in one landmarker:
    once a flip is decided it asks for the whole pass to restart."""
    factory = CanonicalFactory(lambda options: _Inner("right"))
    decision = factory.decision
    decision.start_ms = 0.0
    decision.close_window()  # nobody to wait for
    later = factory(None)
    frame = np.zeros((100, 100, 3), np.uint8)
    later.detect(frame, 5000)
    decision.flip, decision.facing = True, "right"  # the first segment decided meanwhile
    with pytest.raises(RestartFlipped):
        later.detect(frame, 5033)


def test_a_later_segment_stops_waiting_after_its_timeout() -> None:
    """The wait for the first segment's evidence is bounded (a safety net: the first
    segment's end releases it anyway)."""
    import time

    decision = FacingDecision(start_ms=0.0)
    t0 = time.monotonic()
    assert decision.wait_if_leaning(timeout_s=0.15) is False
    assert 0.1 < time.monotonic() - t0 < 2.0
    decision.close_window()
    assert decision.wait_if_leaning(timeout_s=0.15) is True
