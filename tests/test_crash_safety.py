"""Nothing lost under ``kill -9`` and no stale or mismatched output (issue 13: cases 1, 4,
5, 6 and 7; the batch watchdog of case 2 is in test_batch_watchdog.py).

The SIGKILL test forks the test process (gaitcheck already imported) and kills the child
at random offsets of :func:`gaitcheck.report.writers.save_result`, slowed by the
``GAITCHECK_TEST_WRITE_DELAY_S`` hook so each try takes a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.pipeline import AnalyzeOptions, build_result
from gaitcheck.report import writers
from gaitcheck.result import GaitResult
from helpers import ScriptedBackend, candidate, make_video, synthetic_tracks

runner = CliRunner()
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

#: The test hook of gaitcheck.fsio: seconds of sleep after each file written.
WRITE_DELAY_ENV = "GAITCHECK_TEST_WRITE_DELAY_S"
USER_FILES = {"notes.txt": b"coach's notes", "mine/plan.txt": b"5 x 1 km"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones included) with its content."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Hidden files in ``out`` and hidden siblings of it (staging, backups)."""
    inside = [p.name for p in out.rglob(".*")] if out.is_dir() else []
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return inside + beside


def result_for(seed: int, duration_s: float) -> GaitResult:
    _, tracks = synthetic_tracks("side-left", seed=seed, duration_s=duration_s)
    return build_result(tracks, AnalyzeOptions())


@pytest.fixture(scope="module")
def results() -> tuple[GaitResult, GaitResult]:
    """An earlier analysis and a different new one of the same folder."""
    return result_for(0, 3.0), result_for(1, 4.0)


def old_folder(root: Path, old: GaitResult) -> Path:
    out = root / "victim"
    writers.save_result(old, out)
    for name, data in USER_FILES.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(data)
    return out


def save_in_child(result: GaitResult, out: Path, delay_s: float) -> int:
    """Fork a child that saves ``result`` into ``out`` with slowed writes; its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.environ[WRITE_DELAY_ENV] = str(delay_s)
            writers.save_result(result, out)
            code = 0
        finally:
            os._exit(code)
    return pid


def kill_at(pid: int, offset_s: float) -> None:
    time.sleep(offset_s)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def check_sigkill(tmp_path: Path, results: tuple[GaitResult, GaitResult], tries: int,
                  seed: int, exchange: bool) -> None:
    old, new = results
    ref_old = old_folder(tmp_path / "old", old)
    before = snapshot(ref_old)
    ref_new = tmp_path / "new" / "victim"
    shutil.copytree(ref_old, ref_new)
    writers.save_result(new, ref_new)
    after = snapshot(ref_new)
    assert after != before and set(USER_FILES) <= set(after)
    out = tmp_path / "work" / "victim"
    shutil.copytree(ref_old, out)
    t0 = time.perf_counter()  # how long an undisturbed write phase takes
    _, status = os.waitpid(save_in_child(new, out, 0.02), 0)
    write_phase_s = time.perf_counter() - t0
    assert os.waitstatus_to_exitcode(status) == 0 and snapshot(out) == after
    rng = random.Random(seed)
    outcomes = {"old": 0, "new": 0}
    for _ in range(tries):
        shutil.rmtree(out)
        shutil.copytree(ref_old, out)
        kill_at(save_in_child(new, out, 0.02), rng.uniform(0.0, write_phase_s))
        if exchange:  # one atomic step: right after the kill, no repair needed
            state = snapshot(out)
            assert state in (before, after), sorted(set(state) ^ set(after))
        # `gaitcheck report` finishes or undoes a half-done swap first, then re-renders
        # (which gives the same bytes: nothing in the folder depends on the time).
        res = runner.invoke(app, ["report", str(out), "-q"])
        assert res.exit_code == 0, res.output
        state = snapshot(out)
        assert state in (before, after), sorted(set(state) ^ set(after))
        assert not leftovers(out), leftovers(out)
        outcomes["old" if state == before else "new"] += 1
    # The offsets really fell inside the write phase: both outcomes were seen.
    assert outcomes["old"] and outcomes["new"], outcomes


def test_sigkill_during_write_leaves_the_old_or_the_new_result(
        tmp_path: Path, results: tuple[GaitResult, GaitResult]) -> None:
    """Case 1: 32 SIGKILLs at random points of the write phase (atomic exchange)."""
    check_sigkill(tmp_path, results, tries=32, seed=13, exchange=True)


def test_sigkill_with_the_two_rename_fallback(
        tmp_path: Path, results: tuple[GaitResult, GaitResult],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Case 1 where RENAME_EXCHANGE is refused (other OS, file system): the journalled
    two-rename swap, repaired by recovery."""
    from gaitcheck import staging

    monkeypatch.setattr(staging, "exchange", lambda a, b: False)
    check_sigkill(tmp_path, results, tries=16, seed=31, exchange=False)


# -- case 5: stale outputs ------------------------------------------------------------------
def test_reanalysis_removes_stale_outputs_and_keeps_user_files(
        tmp_path: Path, results: tuple[GaitResult, GaitResult]) -> None:
    """An annotated.mp4 of an earlier ``--annotate`` run does not survive a run without
    it; the user's own files do."""
    old, new = results
    out = old_folder(tmp_path, old)
    (out / "annotated.mp4").write_bytes(b"old overlay")
    report = json.loads((out / "report.json").read_text())
    report["files"]["annotated_video"] = "annotated.mp4"
    (out / "report.json").write_text(json.dumps(report))
    writers.save_result(new, out)
    after = snapshot(out)
    assert "annotated.mp4" not in after
    assert "annotated_video" not in json.loads(after["report.json"])["files"]
    assert {k: after[k] for k in USER_FILES} == USER_FILES
    assert not leftovers(out)


# -- case 6: damaged report.json --------------------------------------------------------------
def _edit(report: dict, how: str) -> str:
    if how == "nan":
        report["metrics"]["cadence_spm"]["value"] = "NAN_HERE"
        return json.dumps(report).replace('"NAN_HERE"', "NaN")
    if how == "null sections":
        report["metrics"] = None
        report["events"] = None
    elif how == "string time_s":
        report["events"]["contacts"][0]["time_s"] = "0.35"
    elif how == "string metric value":
        report["metrics"]["cadence_spm"]["value"] = "fast"
    return json.dumps(report)


@pytest.mark.parametrize("how", ["nan", "null sections", "string time_s",
                                 "string metric value"])
@pytest.mark.parametrize("quiet", [True, False])
def test_damaged_report_json_is_refused_before_anything_is_rewritten(
        tmp_path: Path, results: tuple[GaitResult, GaitResult], how: str,
        quiet: bool) -> None:
    out = old_folder(tmp_path, results[0])
    report = json.loads((out / "report.json").read_text())
    (out / "report.json").write_text(_edit(report, how))
    before = snapshot(out)
    res = runner.invoke(app, ["report", str(out), *(["-q"] if quiet else [])])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert "damaged" in lines[0] or "NaN" in lines[0], lines[0]
    assert snapshot(out) == before


# -- case 4: a report is bound to its video ---------------------------------------------------
@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pose replaced by a stepping stick figure in every frame (no model)."""
    import gaitcheck.pipeline as pipeline

    script = {t: [candidate(0.5, 0.5, 0.6, phase=t / 3)] for t in range(400)}
    monkeypatch.setattr(pipeline, "_mediapipe_backend",
                        lambda options: ScriptedBackend(script))


def test_annotate_refuses_a_different_video_of_the_same_size(
        ffmpeg: str, tmp_path: Path, scripted: None) -> None:
    video = make_video(ffmpeg, tmp_path / "run.mp4", seconds=2.0)
    other = make_video(ffmpeg, tmp_path / "other.mp4", "-vf", "negate", seconds=2.0)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(video), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["video"]["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    original = video.read_bytes()
    shutil.copyfile(other, video)  # same frame size and length, other content
    before = snapshot(out)
    res = runner.invoke(app, ["report", str(out), "--annotate", "-q"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "not the video this report was made from" in lines[0], lines
    assert snapshot(out) == before
    video.write_bytes(original)
    res = runner.invoke(app, ["report", str(out), "--annotate", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "annotated.mp4").is_file()


# -- case 7: batch resume checks the folder, not only its marker -------------------------------
def test_batch_resume_redoes_an_incomplete_folder(ffmpeg: str, tmp_path: Path,
                                                  scripted: None) -> None:
    from gaitcheck.batch.inputs import discover
    from gaitcheck.batch.runner import BatchSettings, run_batch

    (tmp_path / "in").mkdir()
    make_video(ffmpeg, tmp_path / "in" / "run.mp4", seconds=2.0)
    entries, _ = discover(str(tmp_path / "in"))
    out, settings = tmp_path / "out", BatchSettings(workers=1)
    first = run_batch(entries, out, settings)
    assert first.rows[0]["status"] in ("ok", "warning"), first.rows
    assert (out / "run" / "keyframes").is_dir()
    for victim in ("report.html", "keyframes", "metrics_summary.csv"):
        target = out / "run" / victim
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        again = run_batch(entries, out, settings)
        assert again.rows[0]["reused"] is False, victim
        assert target.exists(), victim
    assert run_batch(entries, out, settings).rows[0]["reused"] is True


# -- recovery of every state a kill can leave -------------------------------------------------
def _folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


@pytest.mark.parametrize("out_state", ["missing", "empty"])
def test_recover_finishes_a_two_rename_swap(tmp_path: Path, out_state: str) -> None:
    """Killed between the two renames: the old result set aside, the complete new one
    beside it; the output folder gone (or empty: analyze creates it early)."""
    from gaitcheck.staging import recover

    out = tmp_path / "victim"
    _folder(tmp_path / ".victim.gaitcheck-old-ab12cd", {"report.json": "old"})
    _folder(tmp_path / ".victim.gaitcheck-new-ab12cd", {"report.json": "new"})
    if out_state == "empty":
        out.mkdir()
    recover(out)
    assert snapshot(out) == {"report.json": b"new"}
    assert not leftovers(out)


def test_recover_restores_the_old_result_when_no_new_one_is_complete(tmp_path: Path) -> None:
    from gaitcheck.staging import recover

    out = tmp_path / "victim"
    _folder(tmp_path / ".victim.gaitcheck-old-ab12cd", {"report.json": "old"})
    _folder(tmp_path / ".victim.gaitcheck-new-zz99zz", {"report.json": "half"})
    recover(out)
    assert snapshot(out) == {"report.json": b"old"}
    assert not leftovers(out)


def test_recover_removes_unfinished_staging_and_old_leftovers(tmp_path: Path) -> None:
    """An unfinished staging folder goes; so do the .tmp/.bak files of the in-place
    writes of earlier versions (a backup whose file is missing is put back first)."""
    from gaitcheck.staging import recover

    out = _folder(tmp_path / "victim", {
        "report.html": "html", ".report.html.k2j4h5g6.tmp": "half",
        ".report.json.a1b2c3d4.bak": "old report", ".frames.csv.zzzzzzzz.bak": "old",
        "frames.csv": "new", ".gaitcheck-write-probe": ""})
    _folder(tmp_path / ".victim.gaitcheck-new-ab12cd", {"report.json": "half"})
    _folder(tmp_path / "other", {".x.a1b2c3d4.tmp": "not ours"})
    recover(out)
    assert snapshot(out) == {"report.html": b"html", "report.json": b"old report",
                             "frames.csv": b"new"}
    assert not leftovers(out)
    assert (tmp_path / "other" / ".x.a1b2c3d4.tmp").exists()


def test_recover_leaves_a_live_swap_alone(tmp_path: Path) -> None:
    """A staging folder whose process still runs (it holds the lock) is not touched."""
    from gaitcheck import staging

    out = _folder(tmp_path / "victim", {"report.json": "old"})
    live = _folder(tmp_path / ".victim.gaitcheck-new-ab12cd", {"report.json": "new"})
    fd = staging._lock(live)
    try:
        staging.recover(out)
        assert live.is_dir()
    finally:
        if fd is not None:
            os.close(fd)
    staging.recover(out)
    assert not live.exists()


def test_sigkill_of_the_command_line_keeps_a_complete_report(
        tmp_path: Path, results: tuple[GaitResult, GaitResult]) -> None:
    """The issue's repro with the real command: ``gaitcheck analyze --landmarks`` into a
    folder holding an earlier report, killed as soon as its staging folder appears and
    at random points after; ``gaitcheck report`` then works and nothing hidden stays."""
    import subprocess

    old, new = results
    out = old_folder(tmp_path, old)
    npz = tmp_path / "new.npz"
    from gaitcheck.tracks.io import save_tracks_npz

    save_tracks_npz(new.tracks, npz)
    env = {**os.environ, WRITE_DELAY_ENV: "0.05"}
    cmd = [sys.executable, "-m", "gaitcheck", "analyze", "--landmarks", str(npz),
           "--out", str(out), "-q"]
    rng = random.Random(7)
    for _ in range(2):  # each try starts the command line (seconds): the 48 above fork
        before = snapshot(out)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".victim.gaitcheck-new-")
                      for p in tmp_path.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, "no write phase"
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.kill()
        proc.wait()
        res = runner.invoke(app, ["report", str(out), "-q"])
        assert res.exit_code == 0, res.output
        state = snapshot(out)
        assert not leftovers(out), leftovers(out)
        assert {k: state[k] for k in USER_FILES} == USER_FILES
        report = json.loads(state["report.json"])
        assert set(state) - {"mine/plan.txt", "notes.txt"} == {
            *report["files"].values(), "report.json"}
        assert state == before or report["video"]["frame_count"] == new.tracks.video.frame_count


def test_report_keeps_what_it_does_not_render_again(
        tmp_path: Path, results: tuple[GaitResult, GaitResult]) -> None:
    """`gaitcheck report` without the video keeps the key frames (the page still shows
    them), the landmarks and an earlier annotated.mp4, and the user's files."""
    out = old_folder(tmp_path, results[0])
    report = json.loads((out / "report.json").read_text())
    contact = report["events"]["contacts"][0]
    (out / "keyframes").mkdir()
    (out / "keyframes" / "ic_000_left.jpg").write_bytes(b"jpeg")
    crop = {"file": "ic_000_left.jpg", "time_s": contact["time_s"], "side": contact["side"],
            "frame": contact["frame"], "strike": "rearfoot", "strike_inferred": False,
            "foot_angle_deg": 14.0}
    (out / "keyframes" / "keyframes.json").write_text(json.dumps(
        {"video": "run.mp4", "note": None, "keyframes": [crop]}))
    (out / "annotated.mp4").write_bytes(b"overlay")
    report["files"] |= {"keyframes": "keyframes/keyframes.json",
                        "annotated_video": "annotated.mp4"}
    (out / "report.json").write_text(json.dumps(report))
    kept = {k: v for k, v in snapshot(out).items()
            if k.startswith("keyframes") or k in ("annotated.mp4", "landmarks.npz",
                                                  *USER_FILES)}
    res = runner.invoke(app, ["report", str(out), "-q"])
    assert res.exit_code == 0, res.output
    after = snapshot(out)
    assert {k: after.get(k) for k in kept} == kept
    assert "data:image/jpeg;base64,anBlZw==" in after["report.html"].decode()  # b"jpeg"
    assert not leftovers(out)


def test_output_in_the_working_folder_is_written_in_place(
        tmp_path: Path, results: tuple[GaitResult, GaitResult],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o .``: the folder is not swapped away under the shell; the in-place transaction
    still drops stale outputs, keeps user files and leaves nothing hidden."""
    old, new = results
    out = old_folder(tmp_path, old)
    (out / "annotated.mp4").write_bytes(b"old overlay")
    monkeypatch.chdir(out)
    inode = out.stat().st_ino
    writers.save_result(new, Path())
    after = snapshot(out)
    assert out.stat().st_ino == inode and "annotated.mp4" not in after
    assert {k: after[k] for k in USER_FILES} == USER_FILES
    assert json.loads(after["report.json"])["video"]["frame_count"] == \
        new.tracks.video.frame_count
    assert not leftovers(out)
