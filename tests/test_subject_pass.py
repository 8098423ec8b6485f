"""The default (one-person) pose pass looks again, tracking two people, when it may have
followed the wrong person; costs no second pass when one person walks or runs alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitcheck.pipeline import AnalyzeOptions, run_video
from gaitcheck.pose.backend import PoseCandidate
from helpers import candidate, make_video

N = 150  # frames: 5 s at 30 fps


class LockingBackend:
    """Replays people per frame, most confident first, keeping ``max_people`` of them:
    what MediaPipe's landmarker does with ``num_poses`` (it locks onto the first
    person it detected and reports only them)."""

    def __init__(self, script: list[list[PoseCandidate]], max_people: int) -> None:
        self.script, self.max_people, self.frame = script, max_people, 0

    def detect(self, rgb, timestamp_ms: int) -> list[PoseCandidate]:
        found = self.script[self.frame][:self.max_people] if self.frame < len(self.script) else []
        self.frame += 1
        return list(found)

    def describe(self) -> dict:
        return {"backend": "locking", "options": {"max_people": self.max_people}}

    def close(self) -> None:
        pass


def _walker(t: int) -> PoseCandidate:
    return candidate(0.85 - 0.004 * t, 0.68, 0.35, phase=t / 3)  # crosses right to left


def _bystander(t: int) -> PoseCandidate:
    return candidate(0.2, 0.3, 0.3)  # stands on a box, upper left


def _run(tmp_path: Path, ffmpeg: str, script: list[list[PoseCandidate]]):
    video = make_video(ffmpeg, tmp_path / "clip.mp4", seconds=N / 30, size="320x180")
    passes: list[int] = []

    def factory(options: AnalyzeOptions) -> LockingBackend:
        passes.append(options.max_people)
        return LockingBackend(script, options.max_people)

    return run_video(video, AnalyzeOptions(), backend_factory=factory), passes


def _walker_followed(result) -> None:
    hip = result.tracks.image[:, 23, :2]
    found = result.tracks.detected
    assert found.sum() >= 0.95 * N
    assert (hip[found, 1] > 0.6).all()  # never the bystander on the box


@pytest.mark.parametrize("leaves_at", [N, 60], ids=["stays", "leaves-after-2s"])
def test_default_mode_analyses_the_walker_not_the_bystander_it_locked_onto(
        tmp_path: Path, ffmpeg: str, leaves_at: int) -> None:
    # The bystander is the more confident detection: the one-person model follows him
    # for the whole clip, or until he leaves.
    script = [([_bystander(t)] if t < leaves_at else []) + [_walker(t)] for t in range(N)]
    result, passes = _run(tmp_path, ffmpeg, script)
    assert passes == [1, 2]
    _walker_followed(result)
    selection = result.report["pose"]["subject_selection"]
    look = selection["second_look"]
    assert look["kept"] == "second" and look["max_people"] == 2
    assert look["first_pass"]["subject"]["stepping"] < 0.5 or leaves_at < N
    assert selection["subject"]["stepping"] == 1.0 and selection["subject"]["travel"] == 1.0
    assert selection["others"][0]["stepping"] == 0.0
    warning = next(w for w in result.report["quality"]["warnings"]
                   if w["code"] == "other_people")
    assert "crossing the lower part of the picture" in warning["message"]


def test_a_lone_runner_costs_one_pass(tmp_path: Path, ffmpeg: str) -> None:
    result, passes = _run(tmp_path, ffmpeg, [[_walker(t)] for t in range(N)])
    assert passes == [1]
    selection = result.report["pose"]["subject_selection"]
    assert "second_look" not in selection and selection["why"] == "the only person found"
    assert "other_people" not in {w["code"] for w in result.report["quality"]["warnings"]}


def test_a_lone_person_standing_keeps_the_first_pass(tmp_path: Path, ffmpeg: str) -> None:
    """Nobody steps: the second pass finds no one better, and the first is kept."""
    result, passes = _run(tmp_path, ffmpeg, [[_bystander(t)] for t in range(N)])
    assert passes == [1, 2]
    assert result.report["pose"]["subject_selection"]["second_look"]["kept"] == "first"
    assert result.tracks.detected.all()
