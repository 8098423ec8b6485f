"""The analysis of a real clip whose pose pass is split into time segments, against the
single pass (issue 17): frames and timestamps bit for bit, landmarks bit-identical up to
the first seam, and every metric, contact and finding within the consistency tolerances
(tests/equivalence.py) where the single pass's own start sensitivity allows it.

After a seam the landmarks follow a landmarker started mid-video, and MediaPipe's
VIDEO-mode tracking never converges onto the single pass's history: the analysis then
moves as it does when a single pass starts a few frames later
(benchmarks/seam_metrics.py), which on some clips is beyond ±1°
(:func:`test_a_single_pass_started_three_frames_later_moves_angles_beyond_tolerance`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from equivalence import ANGLE_DEG, HISTORY_ANGLE_DEG, differences

from gaitcheck.pose import segments
from helpers import REPO, shared_video


def _compare_runs(video: Path, jobs: int, tmp_path: Path, monkeypatch, **options):
    from gaitcheck.pipeline import AnalyzeOptions, analyze_video
    from gaitcheck.report.cropspool import CropSpool

    served: dict[str, list[int]] = {"one": [], "split": []}
    region = CropSpool.region

    def spy(self, frame_index, box):  # which key frames the crop spool served
        found = region(self, frame_index, box)
        if found is not None:
            served[run].append(frame_index)
        return found

    monkeypatch.setattr(CropSpool, "region", spy)
    monkeypatch.setattr(segments, "MIN_SEGMENT_S", 1.5)  # 3 segments of 8 s
    run = "one"
    one = analyze_video(video, tmp_path / "one", AnalyzeOptions(jobs=1, **options))
    run = "split"
    split = analyze_video(video, tmp_path / "split", AnalyzeOptions(jobs=jobs, **options))
    info = split.tracks.source["segments"]
    assert info["jobs"] == jobs and "fallback" not in info, info
    assert len(info["seams"]) == jobs - 1
    assert np.array_equal(one.tracks.time_s, split.tracks.time_s)  # bit for bit
    assert np.array_equal(one.tracks.frame_index, split.tracks.frame_index)
    assert np.all(np.diff(split.tracks.frame_index) == 1)
    # Cadence, durations and every contact to the tolerances; angles to what a
    # restarted landmarker's history allows (equivalence.HISTORY_ANGLE_DEG).
    assert differences(one.report, split.report, angle_deg=HISTORY_ANGLE_DEG,
                       findings=False) == []
    # Key frames come from the spool in every segment (the workers' parts adopted).
    bounds = [0] + [s["frame_index"] for s in info["seams"]] + [10**9]
    for lo, hi in itertools.pairwise(bounds):
        assert any(lo <= f < hi for f in served["split"]), (lo, hi, served)
    assert abs(len(served["split"]) - len(served["one"])) <= 2
    return one, split


#: What to re-measure when a strict equivalence test below fails.
_FLOOR_HINT = ("the split moved the analysis beyond the issue-17 tolerances: compare with "
               "the single pass's own start floor (benchmarks/seam_cache.py, then "
               "benchmarks/seam_metrics.py)")


@pytest.mark.slow
def test_three_segments_of_a_short_clip_match_one_pass(tmp_path: Path, monkeypatch) -> None:
    clip = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"  # 8 s, 240 frames
    one, split = _compare_runs(clip, 3, tmp_path, monkeypatch)
    for seam in split.tracks.source["segments"]["seams"]:
        assert seam["disagreement"] < 0.02  # both landmarkers on the same runner
    # The issue's own tolerances hold here (largest angle change 0.82°, foot strike; a
    # contact moves 0.5 frame): every angle ±1°, cadence ±0.5 steps/min, durations and
    # contacts ±1 frame, the same findings. Not at K = 2 on this clip: there the
    # event detector's per-foot anchor lag re-times the left toe-offs and hip extension
    # at toe-off moves 3.3°, inside the 5.4° a single pass started later moves it.
    assert differences(one.report, split.report) == [], _FLOOR_HINT


@pytest.mark.slow
def test_two_segments_of_the_overground_sample_match_one_pass(tmp_path: Path,
                                                              monkeypatch) -> None:
    """The issue's tolerances on a 3 s clip whose runner enters after the first frames
    and leaves before the last (the seam at frame 37 with canonical facing, 32 without,
    inside the visible stretch)."""
    clip = REPO / "sample_videos" / "overground_forefoot_side.mp4"  # 3 s, 90 frames
    one, split = _compare_runs(clip, 2, tmp_path, monkeypatch)
    seam = split.tracks.source["segments"]["seams"][0]
    assert 23 <= seam["frame_index"] <= 37 and seam["disagreement"] < 0.02
    first = seam["frame_index"]
    assert np.array_equal(one.tracks.image[:first], split.tracks.image[:first],
                          equal_nan=True)  # bit-identical up to the seam
    after = np.abs(one.tracks.image[first:, :, :2] - split.tracks.image[first:, :, :2])
    assert np.nanmax(after) > 0  # the later landmarker's own history (never converges)
    assert len(one.report["events"]["contacts"]) == 6
    # Cadence, durations and contacts to the tolerances, angles within the
    # landmarker-history bound (in _compare_runs); the ±1° of issue 17: the strict xfail
    # below.


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 17's ±1° held on this sample (0.90°) while "
                   "the model saw the runner face right, as filmed; with canonical facing "
                   "(gaitcheck.pose.canonical) it sees the flipped frames and the split "
                   "moves foot angle at contact 1.74° (every left contact ~2° flatter, "
                   "before the seam too: the left flat-foot reference −7.15 → −5.06°) "
                   "and knee at contact 1.70° (one far-foot contact's landmarks: its "
                   "knee reads 10° straighter at the same IC, a frame the single pass "
                   "had filled in); arm swing 2.41 → 0.81° since it is read over the "
                   "sub-frame contact times (benchmarks/seam_contacts.py). Within "
                   "HISTORY_ANGLE_DEG (3°), the single pass's start floor")
def test_two_segments_of_the_overground_sample_within_strict_tolerances(
        tmp_path: Path, monkeypatch) -> None:
    clip = REPO / "sample_videos" / "overground_forefoot_side.mp4"
    one, split = _compare_runs(clip, 2, tmp_path, monkeypatch)
    assert differences(one.report, split.report) == [], _FLOOR_HINT


@pytest.mark.slow
@pytest.mark.shared
def test_two_segments_of_the_real_treadmill_clip_match_one_pass(tmp_path, monkeypatch) -> None:
    _compare_runs(shared_video("treadmill_side_30fps.mp4"), 2, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.shared
def test_segments_follow_the_same_person_among_others(monkeypatch) -> None:
    """Three people in view, two tracked per frame: the walker is chosen over the whole
    stitched video, where the single pass chose her."""
    from gaitcheck.pipeline import AnalyzeOptions, run_video

    video = shared_video("walking_side_distractors.mp4")
    # Equal segments: the seam (frames 107-122) before her crossing with the jumping
    # person. A seam inside the crossing (frame 143) makes the pass fall back to one
    # piece: there the second landmarker had lost her (subject_crosses_seams).
    one = run_video(video, AnalyzeOptions(jobs=1, max_people=2))
    split = run_video(video, AnalyzeOptions(jobs=2, max_people=2))
    info = split.tracks.source["segments"]
    assert info["jobs"] == 2 and "fallback" not in info, info
    assert np.array_equal(one.tracks.frame_index, split.tracks.frame_index)
    hips = [r.tracks.image[:, 23:25, :2].mean(axis=1) for r in (one, split)]
    found = [np.isfinite(h[:, 0]) for h in hips]
    both = found[0] & found[1]
    # She walks in from the right and out on the left (frames ~60-185 of 230); during
    # her crossing with the jumping person the 2-person landmarkers, with different
    # histories, may each lose her for a few frames.
    assert both.sum() >= 0.95 * found[0].sum()
    for h in hips:
        x = h[both, 0]
        assert x[0] - x[-1] > 0.5  # right to left: the walker, not a bystander
    apart = np.abs(hips[0][both] - hips[1][both]).max(axis=1)  # image fractions
    assert np.median(apart) < 0.005 and np.percentile(apart, 90) < 0.03


@pytest.mark.slow
def test_a_single_pass_started_three_frames_later_moves_angles_beyond_tolerance() -> None:
    """The honest floor of the issue's ±1°: on the heel-striker sample a landmarker
    started 3 frames (0.1 s) late, on the same pixels, moves angle metrics of the same
    frames by more than 2° (measured 4.5° arm swing, 2.6° hip extension at toe-off),
    with no frame's landmarks identical to the one started at frame 0; cadence and
    every contact stay within tolerance. A split pass cannot be held closer to the single
    pass than this (its later segments start mid-video)."""
    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.pose.extract import PosePass, build_extraction
    from gaitcheck.pose.mediapipe_backend import MediaPipeBackend
    from gaitcheck.video.exposure import peek_exposure
    from gaitcheck.video.reader import VideoReader

    late = 3
    reader = VideoReader(REPO / "sample_videos" / "treadmill_heel_striker_side.mp4")
    frames, exposure = peek_exposure(reader.frames())
    backends = [exposure.wrap(MediaPipeBackend()), exposure.wrap(MediaPipeBackend())]
    passes = [PosePass(), PosePass()]
    try:
        for frame in frames:
            for start, backend, found in zip((0, late), backends, passes, strict=True):
                if frame.index >= start:
                    found.candidates.append(backend.detect(frame.rgb,
                                                           round(frame.time_s * 1000)))
                    found.time_s.append(frame.time_s)
                    found.frame_index.append(frame.index)
    finally:
        for backend in backends:
            backend.close()
    early = PosePass(passes[0].candidates[late:], passes[0].time_s[late:],
                     passes[0].frame_index[late:])
    decoding = {"stopped_early": False, "frames_skipped": 0, "first_error_s": None}
    tracks = [build_extraction(p, reader, {}, decoding).tracks for p in (early, passes[1])]
    same = [np.array_equal(tracks[0].image[t], tracks[1].image[t], equal_nan=True)
            for t in range(tracks[0].n_frames)]
    assert not any(same)  # never converges, not even after 237 frames
    a, b = (build_result(t, AnalyzeOptions()).report for t in tracks)
    moved = {k: abs(m["value"] - b["metrics"][k]["value"]) for k, m in a["metrics"].items()
             if m.get("unit") == "deg" and isinstance(m.get("value"), (int, float))
             and isinstance(b["metrics"][k].get("value"), (int, float))}
    assert max(moved.values()) > 2 * ANGLE_DEG, moved
    assert [d for d in differences(a, b) if "deg" not in d] == []  # timing holds
