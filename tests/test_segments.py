"""The pose pass split into time segments (gaitcheck.pose.segments, gaitcheck.pose.seams):
seams leave no duplicated or missing frame, timestamps and frame numbers equal the
single pass (variable frame rate included), and the split pass equals the single pass or
falls back to it. The analysis of real clips split in segments against the single pass:
tests/test_segments_equivalence.py."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from gaitcheck.pose import segments
from gaitcheck.pose.extract import PosePass
from gaitcheck.pose.seams import (
    Seam,
    SeamError,
    best_seam,
    frame_disagreement,
    join,
    subject_crosses_seams,
)
from gaitcheck.pose.segments import OVERLAP_S, SegmentPlan, plan_segments, segment_frames
from gaitcheck.video.reader import VideoReader
from helpers import REPO, candidate, make_video

W, H = 1280, 720


def _pass(indices: list[int], times: list[float], people: list[list]) -> PosePass:
    return PosePass(candidates=people, time_s=times, frame_index=indices,
                    samples={i: (100.0, 200.0) for i in indices if i % 5 == 0})


def _runner(i: int, dx: float = 0.0):
    return candidate(0.3 + 0.004 * i + dx, 0.55, 0.5, phase=0.4 * i)


# -- joining two segments ------------------------------------------------------------------
def test_join_cuts_where_the_landmarks_agree_and_renumbers_the_later_segment() -> None:
    head = _pass(list(range(30)), [i / 30 for i in range(30)], [[_runner(i)] for i in range(30)])
    # The later segment's decoder guessed its frame numbers 3 too low after the seek; its
    # landmarks settle over the overlap (frames 20..29), agreeing exactly only at 27.
    noise = {i: 0.02 / (i - 19) if i != 27 else 0.0 for i in range(20, 60)}
    tail_people = [[_runner(i, noise[i] if i < 30 else 0.0)] for i in range(20, 60)]
    tail = _pass([i - 3 for i in range(20, 60)], [i / 30 for i in range(20, 60)], tail_people)
    head_people = list(head.candidates)
    seam, offset = join(head, tail, W, H)
    assert (seam.frame_index, seam.overlap_frames, offset) == (27, 10, 3)
    assert seam.disagreement == 0.0 and seam.time_s == 27 / 30
    assert head.frame_index == list(range(60))  # no duplicated or missing frame
    assert head.time_s == [i / 30 for i in range(60)]
    assert all(head.candidates[i] is head_people[i] for i in range(27))
    assert all(head.candidates[i] is tail_people[i - 20] for i in range(27, 60))
    # Image statistics: the samples of the frames each segment contributed, renumbered.
    assert sorted(head.samples) == [0, 5, 10, 15, 20, 25, 28, 33, 38, 43, 48, 53, 58]


@pytest.mark.parametrize("shift, indices, message", [
    (0.5 / 30, None, "no common frame"),          # times between the head's frames
    (0.0, [20, 21, 23, 24, 25, 26, 27, 28, 29, 30], "numbers differ"),  # a frame lost
    (2.0, None, "no common frame"),               # the seek landed after the overlap
])
def test_join_refuses_segments_whose_frames_do_not_line_up(shift, indices, message) -> None:
    head = _pass(list(range(30)), [i / 30 for i in range(30)], [[] for _ in range(30)])
    idx = indices or list(range(20, 30))
    tail = _pass(idx + list(range(31, 41)), [i / 30 + shift for i in range(20, 40)],
                 [[] for _ in range(20)])
    with pytest.raises(SeamError, match=message):
        join(head, tail, W, H)


def test_frame_disagreement_pairs_people_whatever_their_order() -> None:
    runner, bystander = _runner(5), candidate(0.8, 0.5, 0.3)
    assert frame_disagreement([runner, bystander], [bystander, runner], W, H) == 0.0
    assert frame_disagreement([], [], W, H) == 0.0
    assert frame_disagreement([runner], [], W, H) == 1.0
    # One shared person is enough; a different number of people is a small penalty.
    assert frame_disagreement([runner], [runner, bystander], W, H) == pytest.approx(0.025)
    assert frame_disagreement([runner, _runner(9)], [runner, bystander], W, H) == 0.0
    moved = frame_disagreement([runner], [_runner(5, 0.05)], W, H)
    assert 0.05 * W / (0.5 * H) * 0.9 < moved < 0.05 * W / (0.5 * H) * 1.1  # body heights
    assert best_seam([0.0, 0.0, 0.0, 0.0, 0.0]) == 2  # ties: the middle of the overlap
    assert best_seam([0.3, 0.01, 0.02, 0.0, 0.2]) == 3


def test_the_subject_must_carry_on_across_each_seam() -> None:
    people = [_runner(i).image for i in range(20)]
    image = np.stack(people)
    index = np.arange(100, 120)
    seams = [Seam(110, 110 / 30, 0.001, 15)]
    assert subject_crosses_seams(image, index, seams, W, H) is None
    other = image.copy()
    other[10:] = candidate(0.8, 0.5, 0.3).image  # a bystander's track after the seam
    assert "jumps" in subject_crosses_seams(other, index, seams, W, H)
    lost = image.copy()
    lost[10:] = np.nan  # the later segment never found the subject
    assert "one side" in subject_crosses_seams(lost, index, seams, W, H)
    gone = image.copy()
    gone[8:12] = np.nan  # out of view around the seam in both segments: fine
    assert subject_crosses_seams(gone, index, seams, W, H) is None


# -- planning ------------------------------------------------------------------------------
def _reader(duration_s: float, start_s=None, end_s=None, stride: int = 1, fps: float = 30.0):
    info = SimpleNamespace(fps=fps, duration_s=duration_s, slowmo=1.0)
    return SimpleNamespace(info=info, start_s=start_s, end_s=end_s, stride=stride)


def test_segments_cover_the_window_with_overlaps_and_a_head_start() -> None:
    plans = plan_segments(_reader(60.0, start_s=2.0), 4, head_start=45)
    assert len(plans) == 4
    assert plans[0] == SegmentPlan(2.0, plans[0].end_s, None)  # decoded like a single pass
    assert plans[-1].end_s is None
    lengths = [p.end_s - p.start_s for p in plans[1:-1]] + [60.0 - plans[-1].start_s]
    for before, plan in itertools.pairwise(plans):
        assert plan.start_s == pytest.approx(before.end_s - OVERLAP_S)
        assert plan.seek_s == pytest.approx(plan.start_s - segments.SEEK_BACK_S)
    # Every segment runs pose on as many frames, overlap included; the first on the
    # head start more.
    head_len = plans[0].end_s - 2.0
    assert head_len == pytest.approx(lengths[0] + 45 / 30)
    assert np.ptp(lengths) < 1e-9


@pytest.mark.parametrize("reader, jobs", [
    (_reader(60.0), 1),                        # one job: today's single pass
    (_reader(60.0, stride=2), 4),              # the stride's phase counts from the start
    (_reader(float("nan")), 4),                # unknown duration
    (_reader(3.9), 4),                         # too short for two segments of 2 s
])
def test_no_segments_where_a_single_pass_is_right(reader, jobs) -> None:
    assert plan_segments(reader, jobs) == []


def test_a_short_window_gets_fewer_segments() -> None:
    assert len(plan_segments(_reader(7.0), 8)) == 3  # 7 s / 3 ≥ 2 s
    assert len(plan_segments(_reader(7.0), 8, head_start=60)) == 2  # (7 s - 2 s) / 2


# -- decoding segments: frames and times identical to one pass ------------------------------
@pytest.fixture(scope="module")
def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.mark.parametrize("setpts", [
    None,                                                           # constant 30 fps
    "if(lt(N,90),N/30/TB,(3+(N-90)/15)/TB)",                        # 30 fps, then 15
    "if(lt(N,30),N/10/TB,(3+(N-30)/30)/TB)",                        # 10 fps, then 30
])
def test_seeking_segments_decode_exactly_the_single_pass_frames(
        ffmpeg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setpts) -> None:
    args = ["-g", "25"] + (["-vf", f"setpts='{setpts}'", "-fps_mode", "vfr"] if setpts else [])
    clip = make_video(ffmpeg, tmp_path / "clip.mp4", *args, seconds=6.0)
    monkeypatch.setattr(segments, "MIN_SEGMENT_S", 0.8)
    reader = VideoReader(clip)
    plans = plan_segments(reader, 3)
    assert len(plans) == 3
    single = list(reader.frames())
    parts = []
    for plan in plans:
        part = VideoReader(clip, plan.start_s, plan.end_s)
        frames = list(segment_frames(part, plan))
        parts.append(_pass([f.index for f in frames], [f.time_s for f in frames],
                           [[] for _ in frames]))
    head = parts[0]
    for tail in parts[1:]:
        join(head, tail, W, H)
    assert head.time_s == [f.time_s for f in single]  # identical presentation times
    assert head.frame_index == [f.index for f in single] == list(range(len(single)))


def test_batch_splits_videos_only_over_spare_cores() -> None:
    from gaitcheck.batch.runner import BatchSettings, pose_jobs_per_video

    def split(**kw: object) -> BatchSettings:
        return BatchSettings(split_videos=True, **kw)  # type: ignore[arg-type]

    assert pose_jobs_per_video(split(workers=8), 8) == 1   # one video per worker
    assert pose_jobs_per_video(split(workers=8), 20) == 1
    assert pose_jobs_per_video(split(workers=8), 3) == 2   # 2 spare cores each
    assert pose_jobs_per_video(split(workers=2), 1) == 2
    assert pose_jobs_per_video(split(workers=8, executor="dask"), 1) == 1
    # Off by default: the same numbers whatever the batch's size.
    assert pose_jobs_per_video(BatchSettings(workers=8), 3) == 1


def test_batch_passes_the_split_to_the_job(tmp_path: Path) -> None:
    from gaitcheck.batch.inputs import VideoEntry
    from gaitcheck.batch.jobs import error_outcome
    from gaitcheck.batch.runner import BatchSettings, run_batch

    seen = []

    def job_fn(job):
        seen.append(job.options)
        return error_outcome(job, "not analysed")

    video = tmp_path / "a.mp4"
    video.write_bytes(b"x")
    entry = VideoEntry(path=video, rel="a.mp4", name="a", overrides={})
    run_batch([entry], tmp_path / "out", BatchSettings(workers=2, split_videos=True),
              job_fn=job_fn)
    assert seen and seen[0]["jobs"] == 2



def test_a_workers_spool_part_is_served_under_the_true_frame_numbers(tmp_path: Path) -> None:
    from gaitcheck.report.cropspool import CropSpool
    from gaitcheck.video.reader import Frame

    yy, xx = np.mgrid[0:H, 0:W]
    rgb = np.dstack([xx * 255 // W, yy * 255 // H, (xx + yy) % 256]).astype(np.uint8)
    with CropSpool(10_000) as spool:  # crops stored at full scale
        path = spool.part_path(1)
        part = CropSpool(10_000, path)  # as a worker process does
        part.add(Frame(index=7, time_s=0.2, rgb=rgb), [_runner(0)])
        entries = part.entries()
        part.close()
        (x0, y0, x1, y1), scale = entries[7][0][:2]
        assert scale == 1.0 and path.stat().st_size > 0
        spool.adopt(path, entries, offset=3)  # the worker's frame 7 is the file's 10
        box = (x0 + 2, y0 + 3, x1 - 2, y1 - 3)
        assert spool.region(7, box) is None
        patch, got_scale = spool.region(10, box)
        expected = rgb[box[1]:box[3], box[0]:box[2], ::-1].astype(float)
        assert got_scale == 1.0 and patch.shape == expected.shape
        assert np.abs(patch - expected).mean() < 3  # JPEG quality 92
    assert not path.parent.exists()  # the parts' folder goes with the spool


def test_gaitcheck_jobs_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from gaitcheck.errors import InputError

    monkeypatch.setenv("GAITCHECK_JOBS", "3")
    assert segments.default_jobs() == 3
    monkeypatch.setenv("GAITCHECK_JOBS", "")
    assert segments.default_jobs() == 1  # one pass: the same landmarks on every machine
    for bad in ("0", "2.5", "many", "nan", "1e9", "-1"):
        monkeypatch.setenv("GAITCHECK_JOBS", bad)
        with pytest.raises(InputError) as err:
            segments.default_jobs()
        assert str(err.value) == (f"GAITCHECK_JOBS={bad!r} should be a whole number "
                                  "between 1 and 256")


@pytest.mark.parametrize("value, message", [
    (0, "--jobs 0 should be a whole number between 1 and 256"),
    (1.5, "--jobs 1.5 should be a whole number between 1 and 256"),
    (float("nan"), "--jobs nan is not a finite number"),
    ("two", "--jobs 'two' is not a number"),
])
def test_jobs_is_checked_by_the_one_validator(value, message) -> None:
    """The CLI, the Python API and batch jobs build AnalyzeOptions, which checks it."""
    from gaitcheck.errors import InputError
    from gaitcheck.pipeline import AnalyzeOptions

    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        AnalyzeOptions(jobs=value)
    assert AnalyzeOptions(jobs="3").jobs == 3


def test_cli_refuses_a_bad_jobs_value_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gaitcheck.cli.app import app

    video = tmp_path / "a.mp4"
    video.write_bytes(b"x")
    result = CliRunner().invoke(app, ["analyze", str(video), "--jobs", "0", "-q"])
    assert result.exit_code == 2
    assert "--jobs 0 should be a whole number between 1 and 256" in result.output
    assert "Traceback" not in result.output


def test_hooks_join_the_scene_motion_at_each_seam() -> None:
    """Each segment's cumulative scene shift starts at zero; joined, it continues the
    earlier segment's (interpolated where they measured different frames)."""
    from gaitcheck.pose.hooks import Part, PassHooks, _shift_delta

    pan = {i: (2.0 * i, -1.0 * i) for i in range(0, 40, 2)}  # 2 px/frame right, 1 up
    later = {i: (2.0 * (i - 31), -1.0 * (i - 31)) for i in range(31, 80, 2)}  # odd frames
    assert _shift_delta(pan, later, 35) == pytest.approx((62.0, -31.0))
    a, b = PassHooks(80, by_index=True), PassHooks(80, by_index=True)
    a.scene.shift, b.scene.shift = pan, {i - 1: v for i, v in later.items()}  # b's index 1 low
    tracks = SimpleNamespace(frame_index=np.arange(80))
    from gaitcheck.pose import hooks

    captured = {}
    real = hooks._with_scene
    hooks._with_scene = lambda t, scene, *rest: captured.setdefault("shift", scene.shift)
    try:
        hooks.joined([Part(a, 0, 0), Part(b, 1, 35)], tracks, Path("unused.mp4"))
    finally:
        hooks._with_scene = real
    shift = captured["shift"]
    assert [i for i in shift if i < 35] == list(range(0, 35, 2))  # the first segment's
    assert all(i % 2 == 1 for i in shift if i >= 35)  # the second segment's frames
    for i, (x, y) in shift.items():
        assert (x, y) == pytest.approx((2.0 * i, -1.0 * i))  # one continuous pan


# -- the segmented pass with a scripted backend (no model: fast) ---------------------------
class _ByTimeBackend:
    """A runner whose pose depends on the frame's time only: every landmarker, in any
    process, reports the same pose for the same frame."""

    def detect(self, rgb: np.ndarray, timestamp_ms: int) -> list:
        t = timestamp_ms / 1000
        return [candidate(0.2 + 0.05 * t, 0.55, 0.5, phase=2 * np.pi * 1.4 * t)]

    def describe(self) -> dict:
        return {"backend": "scripted by time"}

    def close(self) -> None:
        pass


@dataclasses.dataclass(frozen=True)
class _Factory:
    """Backend factory; with ``fail_off_main``, fails on any thread but the main one."""

    fail_off_main: bool = False

    def __call__(self, options) -> _ByTimeBackend:
        if self.fail_off_main and threading.current_thread() is not threading.main_thread():
            raise RuntimeError("no model in this worker")
        return _ByTimeBackend()


@pytest.mark.parametrize("fail_in_workers", [False, True])
def test_split_pass_equals_the_single_pass_or_falls_back_to_it(
        ffmpeg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_in_workers) -> None:
    from gaitcheck.report.cropspool import CropSpool

    clip = make_video(ffmpeg, tmp_path / "clip.mp4", "-g", "40", seconds=5.0, size="320x240")
    monkeypatch.setattr(segments, "MIN_SEGMENT_S", 1.0)
    reader = VideoReader(clip)
    single = segments.single_pass(reader, _ByTimeBackend()).tracks
    plans = plan_segments(reader, 3)
    assert len(plans) == 3
    seen: list[int] = []
    with CropSpool(64) as spool:
        split = segments.extract_in_segments(
            reader, plans, _Factory(fail_in_workers), None,
            seen.append, spool).tracks
    info = split.source["segments"]
    if fail_in_workers:
        assert info["jobs"] == 1 and "no model in this worker" in info["fallback"]
    else:
        assert info["jobs"] == 3 and "fallback" not in info
        assert [s["disagreement"] for s in info["seams"]] == [0.0, 0.0]
        assert len(info["segment_wall_s"]) == len(info["segment_first_frame_s"]) == 3
    assert np.array_equal(split.frame_index, single.frame_index)
    assert np.array_equal(split.time_s, single.time_s)
    assert np.array_equal(split.image, single.image, equal_nan=True)
    # The pose hooks ran in every segment: the scene-line frames (picked by frame index,
    # from frame 0: the same frames) and the scene's motion, measured every 1/15 s from
    # each segment's own first frame (after a seam possibly the other frame of each
    # pair), joined into one series.
    from gaitcheck.tracks.setting import scene_shift_px

    assert split.source["scene_lines"] == single.source["scene_lines"]
    counts = [t.source["scene_motion"]["frames_measured"] for t in (split, single)]
    assert abs(counts[0] - counts[1]) <= 2 * len(info.get("seams", []))
    shifts = [scene_shift_px(t.source, t.n_frames) for t in (split, single)]
    assert shifts[0][1] == shifts[1][1] == "background optical flow (Lucas-Kanade), people masked"
    assert np.abs(shifts[0][0] - shifts[1][0]).max() < 0.5  # pixels
    assert seen and seen[-1] == single.n_frames  # progress reached the end


@pytest.mark.slow
def test_a_dark_clip_split_in_segments_is_corrected_like_one_pass(tmp_path: Path, ffmpeg,
                                                                  monkeypatch) -> None:
    """The exposure table is decided once, from the clip's first frames, and every
    segment's landmarker gets the corrected frames (not only the first segment)."""
    import subprocess

    from gaitcheck.pipeline import AnalyzeOptions, run_video
    from gaitcheck.video.exposure import peek_exposure

    dark = tmp_path / "dark.mp4"
    subprocess.run([ffmpeg, "-v", "error", "-i",
                    str(REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"),
                    "-vf", "lutyuv=y=val*0.35", "-an", str(dark)], check=True)
    expected = peek_exposure(VideoReader(dark).frames())[1].describe()
    assert expected["corrected"] is True
    monkeypatch.setattr(segments, "MIN_SEGMENT_S", 1.5)
    split = run_video(dark, AnalyzeOptions(jobs=2))
    assert "fallback" not in split.tracks.source["segments"]
    assert split.tracks.source["exposure"] == expected


def test_first_free_runs_once_when_the_first_segment_ends_before_the_others(
        ffmpeg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up (imports the analysis needs) starts on the core the first finished
    segment frees, with its landmarker closed, not while every landmarker still runs;
    the exposure decision is the first segment's, from the clip's first frames."""
    from gaitcheck.video.exposure import peek_exposure

    clip = make_video(ffmpeg, tmp_path / "clip.mp4", "-g", "40", seconds=5.0, size="320x240")
    monkeypatch.setattr(segments, "MIN_SEGMENT_S", 1.0)
    reader = VideoReader(clip)
    plans = plan_segments(reader, 3, head_start=-segments.WARM_UP_FRAMES)
    assert plans[0].end_s - 0.0 < plans[1].end_s - plans[1].start_s
    closed: list[int] = []
    running = threading.Event()

    class Closing(_ByTimeBackend):
        def close(self) -> None:
            closed.append(threading.get_ident())

    def slow_tail(options) -> _ByTimeBackend:
        if threading.current_thread() is not threading.main_thread():
            running.wait(5.0)  # the later segments start after the first one ends
        return Closing()

    calls: list[tuple[str, int]] = []

    def first_free() -> None:
        calls.append((threading.current_thread().name, len(closed)))
        running.set()

    split = segments.extract_in_segments(reader, plans, slow_tail, None,
                                         spool=None, first_free=first_free).tracks
    assert calls == [("MainThread", 1)]  # once, after the first landmarker closed
    assert "fallback" not in split.source["segments"]
    expected = peek_exposure(VideoReader(clip).frames())[1].describe()
    assert split.source["exposure"] == expected
