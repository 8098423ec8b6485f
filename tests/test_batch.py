"""``gaitcheck batch``: discovery, safe names, failures, summary, resume, executors.

Pose runs on 2-s windows (``--end 2``) of the bundled sample clips so the module stays
around a minute and a half; module-scoped fixtures share batches between tests.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gaitcheck.batch.executors import CRASH_MESSAGE
from gaitcheck.batch.inputs import (
    VideoEntry,
    assign_names,
    discover,
    read_manifest,
    safe_name,
)
from gaitcheck.batch.jobs import MARKER_NAME, effective_options, settings_hash
from gaitcheck.batch.runner import BatchSettings, run_batch
from gaitcheck.batch.summary import csv_bytes
from gaitcheck.cli.app import app
from gaitcheck.errors import InputError
from helpers import make_video, shared_video

REPO = Path(__file__).resolve().parents[1]
SIDE = REPO / "sample_videos" / "treadmill_heel_striker_side.mp4"
FRONT = REPO / "sample_videos" / "front_runner.mp4"
WINDOW = ["--end", "2"]
METRICS = ("cadence_spm", "ground_contact_ms", "flight_ms", "duty_factor_pct",
           "trunk_lean_deg", "head_forward_deg", "foot_strike", "overstride_pct",
           "knee_flexion_ic_deg", "vertical_oscillation", "findings", "warnings")
runner = CliRunner()


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "summary.csv must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _rows(out: Path) -> dict[str, dict]:
    return {r["output"] or r["id"]: r
            for r in json.loads((out / "summary.json").read_text("utf-8"))["rows"]}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "gaitcheck", *args]


# -- inputs and names (no pose) -------------------------------------------------------------

def test_safe_name_keeps_unicode_and_removes_the_dangerous() -> None:
    assert safe_name("run ñ") == "run ñ"
    assert safe_name("Pätient/1\\x:y") == "Pätient_1_x_y"
    assert safe_name("a\x00b\tc\u202ed\u2028") == "a_b_c_d_"
    assert safe_name("..hidden") == "hidden"
    assert safe_name("trailing. ") == "trailing"
    assert safe_name("CON") == "CON_" and safe_name("nul.txt") == "nul.txt_"
    assert safe_name("") == "video" and safe_name("...") == "video"
    assert safe_name("e\u0301") == "é"  # NFC: one folder for both spellings
    long = safe_name("ü" * 300)
    assert len(long.encode()) <= 120 and set(long) == {"ü"}


def test_names_unique_case_insensitive_deterministic_and_reserved() -> None:
    entries = [VideoEntry(Path(f"/x/{rel}"), rel) for rel in
               ("a/run.mp4", "b/run.mp4", "c/RUN.mov", "batch.log.mp4", "a/run.mp4")]
    names = [e.name for e in assign_names(entries)]
    assert names[0] == "run" and names[1].startswith("run-") and names[2].startswith("RUN-")
    assert names[3].startswith("batch.log-")  # never the log file's name
    assert len({n.casefold() for n in names}) == 5
    assert names == [e.name for e in assign_names(entries)]


def test_discover_folder_glob_and_single(tmp_path: Path) -> None:
    root = tmp_path / "in"
    for rel in ("x/a.MP4", "x/y/b.m4v", "c.webm", "._c.mp4", ".hidden/d.mp4", "e.txt",
                "out/old.mp4"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    entries, kind = discover(str(root), exclude=root / "out")
    assert kind == "folder"
    assert [e.rel for e in entries] == ["c.webm", "x/a.MP4", "x/y/b.m4v"]
    assert all(e.path.is_absolute() for e in entries)
    entries, kind = discover(str(root / "x" / "**" / "*.*"), exclude=None)
    assert kind == "glob" and [e.rel for e in entries] == ["a.MP4", "y/b.m4v"]
    entries, kind = discover(str(root / "c.webm"))
    assert kind == "video" and entries[0].name == "c"
    (root / "empty").mkdir()
    for spec, message in ((root / "nothing", "no such file"), (root / "e.txt", "neither"),
                          (root / "empty", "no videos"), (root / "*.avi", "no videos")):
        with pytest.raises(InputError, match=message):
            discover(str(spec))


def test_manifest_values_aliases_and_errors(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    manifest = tmp_path / "sessions.csv"
    manifest.write_text(
        "\ufeffVideo;Patient ID;session_date;view;height_cm;treadmill;notes;shoe\n"
        "v/a.mp4;P1;2024-05-01;side-left;175,5;yes;=cmd ñ;Nike\n"
        f"{tmp_path / 'b.mov'};P2;;;;0;;\n"
        "# v/skipped.mp4;;;;;;;\n"
        ";;;;;;;\n", encoding="utf-8")
    a, b = read_manifest(manifest)
    assert a.path == tmp_path / "v" / "a.mp4" and a.rel == "v/a.mp4" and a.id == "P1"
    assert a.overrides == {"view": "side-left", "height_cm": 175.5, "setting": "treadmill"}
    assert a.fields["notes"] == "=cmd ñ" and a.fields["shoe"] == "Nike"
    assert a.fields["treadmill"] is True and a.fields["session_date"] == "2024-05-01"
    assert b.overrides == {"setting": "overground"} and b.fields["treadmill"] is False
    assert effective_options({"height_cm": 170.0, "end_s": 2.0}, a.overrides)["height_cm"] \
        == 175.5
    bad = {"video_path,notes\nx.mp4,\n": "no 'video' column",
           "video,treadmill\nx.mp4,maybe\n": "line 2: treadmill 'maybe'",
           "video,height_cm\nx.mp4,1.7\n": "height_cm '1.7' should be between",
           "video,height_cm\nx.mp4,tall\n": "'tall' is not a number",
           "video,view\nx.mp4,top\n": "view 'top'",
           "video,start_s,end_s\nx.mp4,5,3\n": "end_s must be after start_s",
           "video,notes\n,hello\n": "video cell is empty",
           "video,Video\nx.mp4,y.mp4\n": "appears twice"}
    for text, message in bad.items():
        manifest.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            read_manifest(manifest)


def test_effective_options_are_sparse_and_checked() -> None:
    options = effective_options({"end_s": 2.0, "height_cm": None}, {"view": "front"})
    assert options == {"end_s": 2.0, "max_people": 1, "slowmo": 1.0, "view": "front"}
    assert settings_hash(options) == settings_hash(dict(reversed(options.items())))
    assert settings_hash(options) != settings_hash(options | {"end_s": 3.0})
    with pytest.raises(ValueError, match="colour"):
        effective_options({"colour": "red"}, {})


def test_summary_csv_bom_and_no_formula_injection() -> None:
    entry = VideoEntry(Path("/v/a.mp4"), "a.mp4", "a", fields={"notes": "=HYPERLINK(1)",
                                                                 "subject_id": "-5"})
    from gaitcheck.batch.summary import summary_row

    row = summary_row(entry, {"status": "ok", "metrics": {"cadence_spm": 170.5}})
    data = csv_bytes([row])
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed["notes"] == "'=HYPERLINK(1)" and parsed["id"] == "-5"
    assert parsed["cadence_spm"] == "170.5" and parsed["reused"] == "false"


@pytest.mark.parametrize("args, message", [
    (["--executor", "spark"], "unknown --executor"),
    (["--executor", "dask"], "needs --scheduler"),
    (["--scheduler", "tcp://127.0.0.1:1"], "needs --executor dask"),
    (["--start", "3", "--end", "2"], "must be after"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mp4").write_bytes(b"x")
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                                 *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_no_input_bad_manifest_and_unreachable_scheduler_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["batch", str(tmp_path / "empty"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no videos" in result.output
    (tmp_path / "m.csv").write_text("file,notes\na.mp4,x\n")
    result = runner.invoke(app, ["batch", str(tmp_path / "m.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no 'video' column" in result.output
    assert len(result.output.strip().splitlines()) == 1
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mp4").write_bytes(b"x")
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "o"),
                                 "--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}",
                                 "--connect-timeout", "1"])
    assert result.exit_code == 2 and "cannot reach the dask scheduler" in result.output


def _fake_job(job):  # module level: spawned workers import it by name
    if job.name == "crash":
        os._exit(3)  # a segfaulting decoder looks like this to the pool
    time.sleep(0.2)
    return {"status": "ok", "error": None, "metrics": {"cadence_spm": 170.0},
            "elapsed_s": 0.2}


def test_pool_survives_a_crashing_worker(tmp_path: Path) -> None:
    entries = assign_names([VideoEntry(tmp_path / f"{n}.mp4", f"{n}.mp4")
                            for n in ("a", "b", "crash", "d", "e")])
    result = run_batch(entries, tmp_path / "out", BatchSettings(workers=2), job_fn=_fake_job)
    status = {r["output"] or r["id"]: (r["status"], r["error"]) for r in result.rows}
    assert status.pop("crash") == ("error", CRASH_MESSAGE)
    assert set(status.values()) == {("ok", "")} and len(status) == 4
    assert result.exit_code == 3


# -- a real batch: good, corrupt, non-video and personless files ---------------------------

@pytest.fixture(scope="module")
def batch_input(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    root = tmp_path_factory.mktemp("batch") / "in"
    for rel, source in (("Pätient 1/run ñ.mp4", SIDE), ("a/run.mp4", FRONT),
                        ("b/run.mp4", SIDE)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / rel)
    (root / "corrupt.mp4").write_bytes(os.urandom(30_000))
    (root / "notes.mov").write_text("not a video\n")
    make_video(ffmpeg, root / "blank.mp4", "-vf", "drawbox=color=gray:t=fill", seconds=1.0)
    return root


@pytest.fixture(scope="module")
def folder_batch(batch_input: Path) -> tuple[Path, object]:
    out = batch_input.parent / "out"
    result = runner.invoke(app, ["batch", str(batch_input), "--out", str(out), *WINDOW,
                                 "--workers", "2"])
    return out, result


@pytest.mark.slow
def test_failures_do_not_stop_the_batch(folder_batch) -> None:
    out, result = folder_batch
    assert result.exit_code == 3, result.output
    rows = _rows(out)
    assert {k: r["status"] for k, r in rows.items() if r["status"] == "error"} == {
        "corrupt": "error", "notes": "error", "blank": "error"}
    assert "corrupt" in rows["corrupt"]["error"] and "not a video" in rows["notes"]["error"]
    assert rows["blank"]["error"].startswith("no person detected in any of the 30 frames")
    good = [r for r in rows.values() if r["status"] != "error"]
    assert len(good) == 3 and {r["status"] for r in good} <= {"ok", "warning"}
    for line in ("✗ corrupt: cannot read corrupt.mp4", "✗ blank: no person", " run ñ: ",
                 "3 failed"):
        assert line in result.output


@pytest.mark.slow
def test_summary_csv_and_json(folder_batch, batch_input: Path) -> None:
    out, _ = folder_batch
    table = _read_csv(out / "summary.csv")
    assert len(table) == 6
    for column in ("id", "video", "status", "error", *METRICS, "vertical_oscillation_unit",
                   "subject_id", "session_date", "notes", "output", "elapsed_s"):
        assert column in table[0], column
    side = next(r for r in table if r["output"] == "run ñ")
    # Relative to the batch input: no absolute path without --keep-paths.
    assert side["video"] == "Pätient 1/run ñ.mp4"
    assert 160 < float(side["cadence_spm"]) < 180 and side["foot_strike"] == "rearfoot"
    assert float(side["ground_contact_ms"]) > 100 and side["detected_view"] == "side-left"
    assert float(side["elapsed_s"]) > 0 and side["vertical_oscillation_unit"] == "% leg length"
    document = json.loads((out / "summary.json").read_text("utf-8"))
    assert document["complete"] is True and document["videos"] == 6
    assert document["counts"]["error"] == 3
    assert document["counts"]["ok"] + document["counts"]["warning"] == 3
    log = (out / "batch.log").read_text("utf-8")
    assert "batch start: 6 videos" in log and '"end_s": 2.0' in log
    assert "start run ñ <- Pätient 1/run ñ.mp4" in log and "error notes:" in log
    assert "done run ñ: " in log and "batch end:" in log


@pytest.mark.slow
def test_unicode_paths_and_duplicate_names_get_distinct_folders(folder_batch,
                                                               batch_input: Path) -> None:
    out, _ = folder_batch
    rows = _rows(out)
    by_video = {r["video"]: r["output"]
                for r in rows.values() if r["output"]}
    assert by_video["Pätient 1/run ñ.mp4"] == "run ñ" and by_video["a/run.mp4"] == "run"
    assert re.fullmatch(r"run-[0-9a-f]{8}", by_video["b/run.mp4"])
    names = list(by_video.values())
    for name in names:
        report = json.loads((out / name / "report.json").read_text("utf-8"))
        # report.json keeps the file name only (no --keep-paths); the summary the path.
        assert report["video"]["path"] == Path(rows[name]["video"]).name
        marker = json.loads((out / name / MARKER_NAME).read_text("utf-8"))
        assert len(marker["video_sha256"]) == 64 and marker["status"] == rows[name]["status"]
        assert (out / name / "report.html").is_file() and (out / name / "landmarks.npz").is_file()
    assert not (out / ".partial").exists()


@pytest.mark.slow
def test_workers_limit_threads_before_heavy_imports(folder_batch) -> None:
    out, _ = folder_batch
    marker = json.loads((out / "run ñ" / MARKER_NAME).read_text("utf-8"))
    worker = marker["outcome"]["worker"]
    assert worker["pool_worker"] is True
    assert set(worker["env_at_start"].values()) == {"1"}  # inherited before any import
    assert worker["cv2_threads"] == 1 and worker["OMP_NUM_THREADS"] == "1"
    outcome = marker["outcome"]
    assert outcome["cpu_s"] / outcome["elapsed_s"] < 1.5  # one busy core per worker


@pytest.mark.slow
def test_workers_1_matches_workers_2_and_rerun_skips(folder_batch, batch_input: Path) -> None:
    out, _ = folder_batch
    single = batch_input.parent / "out_single"
    result = runner.invoke(app, ["batch", str(batch_input), "-o", str(single), *WINDOW,
                                 "--workers", "1"])
    assert result.exit_code == 3, result.output
    two, one = _rows(out), _rows(single)
    assert two.keys() == one.keys()
    for name, row in two.items():
        assert {k: row[k] for k in ("status", "error", *METRICS)} == {
            k: one[name][k] for k in ("status", "error", *METRICS)}, name
    assert json.loads((single / "run ñ" / MARKER_NAME).read_text())["outcome"]["worker"][
        "pool_worker"] is False  # ran in this process
    # Same command again: the finished videos are reused, the failures tried again.
    mtimes = {n: (out / n / "report.json").stat().st_mtime_ns for n in two if two[n]["output"]}
    again = runner.invoke(app, ["batch", str(batch_input), "-o", str(out), *WINDOW,
                                "--workers", "1"])
    assert again.exit_code == 3 and "3 already done, 3 to analyse" in again.output
    assert {n: (out / n / "report.json").stat().st_mtime_ns for n in mtimes} == mtimes
    rows = _rows(out)
    assert all(rows[n]["reused"] for n in mtimes)
    assert not any(r["reused"] for r in rows.values() if r["status"] == "error")


# -- resume after SIGKILL ------------------------------------------------------------------

@pytest.mark.slow
def test_killed_batch_resumes_without_redoing_finished_videos(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name, source in (("a.mp4", SIDE), ("b.mp4", FRONT), ("c.mp4", SIDE)):
        shutil.copy(source, src / name)
    out = tmp_path / "out"
    args = ["batch", str(src), "--out", str(out), *WINDOW, "--workers", "1", "-q"]
    proc = subprocess.Popen(_cli(*args), start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    try:  # kill once the first video is complete and the second is half-written
        while not ((out / "a" / MARKER_NAME).exists()
                   and any((out / ".partial").glob("b-*"))):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "first video never finished"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / "b").exists(), "killed too late to test a resume"
    summary = json.loads((out / "summary.json").read_text("utf-8"))  # valid after the kill
    assert summary["complete"] is False and [r["output"] for r in summary["rows"]] == ["a"]
    first = (out / "a" / "report.json").stat().st_mtime_ns

    done = subprocess.run(_cli(*args[:-1]), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 already done, 2 to analyse" in done.stdout
    assert (out / "a" / "report.json").stat().st_mtime_ns == first
    rows = _rows(out)
    assert sorted(rows) == ["a", "b", "c"] and rows["a"]["reused"] is True
    assert all(rows[n]["status"] in ("ok", "warning") for n in rows)
    assert not (out / ".partial").exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a", "b", "batch.log", "c", "summary.csv", "summary.json"]


@pytest.mark.slow
def test_settings_change_redoes_and_force_redoes(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(SIDE, tmp_path / "in" / "run.mp4")
    out = tmp_path / "out"
    base = ["batch", str(tmp_path / "in"), "-o", str(out), "--end", "1.5"]

    def run(*extra: str) -> int:
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 0, result.output
        return (out / "run" / "report.json").stat().st_mtime_ns

    first = run()
    assert run() == first
    second = run("--height-cm", "180")
    assert second != first and _rows(out)["run"]["vertical_oscillation_unit"] == "cm"
    assert run("--height-cm", "180", "--force") != second
    (tmp_path / "in" / "run.mp4").write_bytes(FRONT.read_bytes())  # new content
    run("--height-cm", "180")
    assert _rows(out)["run"]["detected_view"] == "front"


# -- manifest pass-through, local and on dask ----------------------------------------------

@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("manifest")
    (root / "clips").mkdir()
    shutil.copy(SIDE, root / "clips" / "s1.mp4")
    shutil.copy(FRONT, root / "clips" / "s2.mp4")
    path = root / "sessions.csv"
    path.write_text(
        "video,subject_id,session_date,view,height_cm,treadmill,notes,shoe\n"
        "clips/s1.mp4,P001,2024-05-01,side-right,175,yes,\"after shoes, ñ\",Nike\n"
        f"{root / 'clips' / 's2.mp4'},P002,2024-05-02,,,no,,\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def manifest_batch(manifest: Path) -> Path:
    out = manifest.parent / "out_local"
    result = runner.invoke(app, ["batch", str(manifest), "-o", str(out), *WINDOW,
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_manifest_values_pass_through(manifest_batch: Path) -> None:
    rows = _rows(manifest_batch)
    s1, s2 = rows["s1"], rows["s2"]
    assert (s1["id"], s1["subject_id"], s1["session_date"], s1["notes"], s1["shoe"]) == (
        "P001", "P001", "2024-05-01", "after shoes, ñ", "Nike")
    assert s1["height_cm"] == 175 and s1["vertical_oscillation_unit"] == "cm"
    assert 2 < s1["vertical_oscillation"] < 20  # centimetres, not % of leg length
    assert s1["view"] == "side-right" and s1["treadmill"] is True
    report = json.loads((manifest_batch / "s1" / "report.json").read_text("utf-8"))
    assert report["view"]["overridden"] is True and report["view"]["label"] == "side-right"
    assert report["setting"]["value"] == "treadmill"
    assert s2["id"] == "P002" and s2["treadmill"] is False
    report = json.loads((manifest_batch / "s2" / "report.json").read_text("utf-8"))
    assert report["setting"] == {**report["setting"], "value": "overground", "overridden": True}
    table = _read_csv(manifest_batch / "summary.csv")
    assert table[0]["notes"] == "after shoes, ñ" and table[0]["treadmill"] == "true"


@pytest.mark.slow
def test_dask_executor_matches_local(manifest: Path, manifest_batch: Path) -> None:
    distributed = pytest.importorskip("distributed")
    out = manifest.parent / "out_dask"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = runner.invoke(app, ["batch", str(manifest), "-o", str(out), *WINDOW,
                                     "--executor", "dask", "--scheduler",
                                     cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    local, remote = _rows(manifest_batch), _rows(out)
    assert local.keys() == remote.keys()
    for name in local:
        keys = ("id", "status", "error", "notes", "height_cm", *METRICS)
        assert {k: remote[name][k] for k in keys} == {k: local[name][k] for k in keys}
    assert json.loads((out / "summary.json").read_text())["executor"].startswith("dask tcp://")
    worker = json.loads((out / "s1" / MARKER_NAME).read_text())["outcome"]["worker"]
    assert worker["cv2_threads"] == 1 and worker["pid"] != os.getpid()


@pytest.mark.slow
def test_dask_task_failure_becomes_error(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    entries = assign_names([VideoEntry(tmp_path / f"{n}.mp4", f"{n}.mp4") for n in "ab"])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # threads: fast
        settings = BatchSettings(executor="dask", scheduler=cluster.scheduler_address)
        result = run_batch(entries, tmp_path / "out", settings, job_fn=_raising_job)
    assert [r["status"] for r in result.rows] == ["ok", "error"]
    assert result.rows[1]["error"] == "RuntimeError: worker lost its mind"


def _raising_job(job):
    if job.name == "b":
        raise RuntimeError("worker lost its mind")
    return {"status": "ok", "error": None, "metrics": {}, "elapsed_s": 0.0}


# -- a real clip ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.shared
def test_real_clip_by_absolute_path_in_a_manifest(tmp_path: Path) -> None:
    video = shared_video("treadmill_side_30fps.mp4")
    (tmp_path / "m.csv").write_text(f"video,subject_id,height_cm,start_s,end_s\n"
                                    f"{video},R1,180,0,3\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(tmp_path / "m.csv"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    row = _rows(tmp_path / "o")["treadmill_side_30fps"]
    assert row["id"] == "R1" and row["frames"] == 91
    assert abs(row["cadence_spm"] - 168.9) < 8  # truth 168.9 ± 0.5 over the whole clip
    assert row["vertical_oscillation_unit"] == "cm"
