"""Wall-clock timeline of one ``gaitcheck analyze`` run: what each thread does, and when a
core sits idle.

Each run is a child process (interpreter start-up included) that runs ``gaitcheck
analyze VIDEO -q ARGS`` with the pipeline's stages wrapped by timers (the targets of
``benchmarks/stage_profile.py``, plus model loads, each pose pass, the exposure decision
and every landmarker call), while a sampler thread reads the process's CPU time
(``/proc/self/stat``: every thread, MediaPipe's native ones included) every
``--sample-ms``. The parent prints, per run:

* a chart, one character per ``--col-ms``: the cores busy (``0``-``9``, tenths of the
  machine's cores; ``#`` all of them), then one row per thread with its stages (``i``
  imports, ``o`` open video, ``M`` model load, ``x`` exposure decision, ``p`` pose frames
  as filmed, ``f`` flipped frames, ``w`` warm-up imports, ``j`` waiting for the warm-up,
  ``s`` stitching, ``a`` analysis, ``r`` report writers, ``k`` key frames, ``h`` HTML,
  ``c`` CSV/landmarks);
* every stage's start and end (s after the process started) and thread;
* idle core-seconds (cores × wall − CPU) per phase: start-up, pose, after pose;
* the collector's CPU seconds (every generation, and the full collections alone);
* when the pass that is kept has analysed its first 11 frames (a restart on flipped
  frames shows here: compare a clip with its mirror, :func:`final_pass_at`).

Runs of several variants (``--variant NAME=ARGS``, ARGS the analyze options, e.g.
``"--jobs 2"``, plus ``--video PATH`` for another video and ``--src DIR`` for another
checkout's code) alternate ``--repeat`` times; a summary gives each variant's median wall
and CPU seconds. The machine's load average is printed before and after.

Usage::

    python benchmarks/timeline.py VIDEO --variant j1="--jobs 1" --variant j2="--jobs 2"
    python benchmarks/timeline.py VIDEO --variant j2="--jobs 2" --json out.json --quiet
    python benchmarks/timeline.py CLIP --repeat 3 --quiet \
        --variant left="--jobs 1" --variant right="--jobs 1 --video MIRROR.mp4"
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Extra timers besides stage_profile's (module, qualname, label).
EXTRA = (
    ("gaitcheck.pose.mediapipe_backend", "MediaPipeBackend.__init__", "model load"),
    ("gaitcheck.pose.mediapipe_backend", "MediaPipeBackend.close", "model close"),
    ("gaitcheck.pose.run", "_pass", "pose pass"),
    ("gaitcheck.video.reader", "VideoReader._probe", "probe"),
)
#: Stage label (stage_profile's or EXTRA's) → chart character (later entries win).
CHARS = {
    "imports: CLI and pipeline": "i", "probe": "o", "model load": "M", "model close": "m",
    "extract.peek_exposure": "x", "segments.join": "s", "segments.build_extraction": "s",
    "segments.joined": "s", "segments.subject_crosses_seams": "s",
    "extract.build_extraction": "s", "hooks._with_scene": "s", "run.WarmUp._run": "w",
    "run.WarmUp.join": "j", "pipeline.build_result": "a", "writers.save_result": "r",
    "writers.save_tracks_npz": "c", "writers.save_tracks_csv": "c",
    "csv_report.write_csvs": "c", "writers.write_report": "r",
    "keyframes.extract_keyframes": "k", "html.write_html": "h",
}


# -- the child: run analyze with timers and a CPU sampler ------------------------------------
def _cpu_ticks() -> int:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, all threads


class _GcTimer:
    """``gc.callbacks`` entry: the collector's passes per generation and the CPU seconds
    of the thread that ran each (a full collection walks every tracked object)."""

    def __init__(self) -> None:
        self.count, self.cpu_s = [0, 0, 0], [0.0, 0.0, 0.0]
        self._started: dict[int, float] = {}

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._started[ident] = time.thread_time()
            return
        started = self._started.pop(ident, None)
        if started is not None:
            self.count[info["generation"]] += 1
            self.cpu_s[info["generation"]] += time.thread_time() - started

    def totals(self) -> dict[str, list[float]]:
        return {"collections": list(self.count), "cpu_s": [round(c, 4) for c in self.cpu_s]}


def child(argv: list[str], sample_s: float) -> int:
    """Run ``gaitcheck analyze ARGV`` with timers; print the events as one JSON line."""
    tick = os.sysconf("SC_CLK_TCK")
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), _cpu_ticks() / tick))
            stop.wait(sample_s)

    sampler = threading.Thread(target=sample, name="timeline-sampler", daemon=True)
    sampler.start()
    collections = _GcTimer()
    gc.callbacks.append(collections)
    sys.path.insert(0, str(HERE))
    imported = time.time()
    import stage_profile as sp

    import gaitcheck.cli.app as cli
    import gaitcheck.pipeline  # noqa: F401  (what `analyze` imports first)

    sp.EVENTS.append({"thread": "MainThread", "name": "imports: CLI and pipeline",
                      "start": imported, "end": time.time(), "thread_cpu_s": None})
    for module, qualname in sp.TARGETS:
        sp.wrap(module, qualname)
    for module, qualname, label in EXTRA:
        sp.wrap(module, qualname, label)
    late = [lambda m=m, q=q: sp.wrap(m, q) for m, q in sp.LATE]
    import gaitcheck.pose.canonical as canonical
    import gaitcheck.report.writers as writers

    original = writers.write_reports

    def write_reports(*args: Any, **kwargs: Any) -> Any:
        while late:  # imported by now (the warm-up), or imported here
            late.pop()()
        return original(*args, **kwargs)

    writers.write_reports = write_reports
    frames: list[dict[str, Any]] = []
    detect = canonical.CanonicalBackend.detect

    def timed_detect(self: Any, rgb: Any, timestamp_ms: int) -> Any:
        flipped = bool(self.decision.flip)
        t = time.time()
        try:
            return detect(self, rgb, timestamp_ms)
        finally:
            frames.append({"thread": threading.current_thread().name, "start": t,
                           "end": time.time(), "ms": timestamp_ms, "flipped": flipped})

    canonical.CanonicalBackend.detect = timed_detect  # type: ignore[method-assign]
    code = 0
    sys.argv = ["gaitcheck", "analyze", *argv]
    try:
        cli.main()
    except SystemExit as err:
        code = int(err.code or 0)
    stop.set()
    sampler.join()
    samples.append((time.time(), _cpu_ticks() / tick))
    gc.callbacks.remove(collections)
    print(json.dumps({"events": sp.EVENTS, "frames": frames, "samples": samples,
                      "returned": time.time(), "exit_code": code, "cores": os.cpu_count(),
                      "gc": collections.totals()}))
    sys.stdout.flush()
    return code


# -- the parent: run, alternate, render ------------------------------------------------------


def run_once(video: Path, args: list[str], sample_ms: float, nice: int) -> dict[str, Any]:
    """One child run; returns its JSON with ``spawned`` and ``exited`` added.

    ``args`` may hold ``--video PATH`` (another video for this variant) and ``--src DIR``
    (import gaitcheck from that checkout instead, e.g. a worktree of the revision to
    compare with; the timers need the same module layout).
    """
    args = list(args)
    env = dict(os.environ)
    for flag in ("--video", "--src"):
        if flag in args:
            at = args.index(flag)
            value = args[at + 1]
            del args[at:at + 2]
            if flag == "--video":
                video = Path(value)
            else:
                env["PYTHONPATH"] = value + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="gaitcheck-timeline-") as tmp:
        cmd = [sys.executable, __file__, "--child", str(sample_ms / 1000.0), str(video),
               "-o", f"{tmp}/out", "-q", *args]
        if nice:
            cmd = ["nice", "-n", str(nice), *cmd]
        spawned = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        exited = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"analyze {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data.update(spawned=spawned, exited=exited, args=args)
    return data


def frame_spans(frames: list[dict[str, Any]], gap_s: float = 0.25) -> list[dict[str, Any]]:
    """Consecutive landmarker calls of one thread and one facing, as spans."""
    spans: list[dict[str, Any]] = []
    last: dict[tuple[str, bool], dict[str, Any]] = {}
    for f in sorted(frames, key=lambda f: f["start"]):
        key = (f["thread"], f["flipped"])
        span = last.get(key)
        if span is None or f["start"] - span["end"] > gap_s or f["ms"] <= span["last_ms"]:
            span = {"thread": f["thread"], "name": "frames flipped" if f["flipped"]
                    else "frames", "start": f["start"], "end": f["end"], "n": 0,
                    "first_ms": f["ms"], "last_ms": f["ms"]}
            spans.append(span)
            last[key] = span
        span["end"], span["last_ms"] = f["end"], f["ms"]
        span["n"] += 1
    return spans


def busy_cores(samples: list[list[float]], t0: float, t1: float) -> float:
    """CPU seconds the process used between t0 and t1 (linear between samples)."""
    def at(t: float) -> float:
        if t <= samples[0][0]:
            return samples[0][1]
        for (ta, ca), (tb, cb) in itertools.pairwise(samples):
            if ta <= t <= tb:
                return ca + (cb - ca) * (t - ta) / max(tb - ta, 1e-9)
        return samples[-1][1]
    return at(t1) - at(t0)


def render(data: dict[str, Any], col_ms: float) -> str:
    t0, t_end = data["spawned"], data["exited"]
    cores = data["cores"]
    events = [e for e in data["events"] if e["name"] != "pipeline.analyze_video"]
    spans = frame_spans(data["frames"])
    width = int((t_end - t0) * 1000 / col_ms) + 1
    lines = []
    strip = []
    samples = data["samples"]
    for c in range(width):
        a, b = t0 + c * col_ms / 1000, t0 + (c + 1) * col_ms / 1000
        if samples and a >= samples[0][0] and b <= samples[-1][0]:
            use = busy_cores(samples, a, b) / (b - a) / cores
            strip.append("#" if use >= 0.95 else str(min(9, int(use * 10))))
        else:
            strip.append(" ")
    threads: list[str] = []
    for e in sorted(events + spans, key=lambda e: e["start"]):
        if e["thread"] not in threads:
            threads.append(e["thread"])
    label_w = max(12, *(len(t) for t in threads))
    lines.append(f"{'CPU (x10%)':{label_w}s} |{''.join(strip)}|")
    for thread in threads:
        row = [" "] * width
        mine = [e for e in events + spans if e["thread"] == thread]
        # Longer spans first, so shorter nested ones stay visible on top.
        for e in sorted(mine, key=lambda e: e["end"] - e["start"], reverse=True):
            ch = {"frames": "p", "frames flipped": "f"}.get(e["name"]) or CHARS.get(e["name"])
            if ch is None:
                continue
            a = int((e["start"] - t0) * 1000 / col_ms)
            b = max(a + 1, int((e["end"] - t0) * 1000 / col_ms))
            for c in range(a, min(b, width)):
                row[c] = ch
        lines.append(f"{thread[:label_w]:{label_w}s} |{''.join(row)}|")
    scale = "".join(str(int(c * col_ms / 1000) % 10) if int(c * col_ms) % 1000 < col_ms
                    else " " for c in range(width))
    lines.append(f"{'s':{label_w}s}  {scale}")
    return "\n".join(lines)


def stages(data: dict[str, Any]) -> list[str]:
    t0 = data["spawned"]
    spans = frame_spans(data["frames"])
    out = []
    for e in sorted(data["events"] + spans, key=lambda e: e["start"]):
        extra = (f" {e['n']} frames ({e['first_ms'] / 1000:.2f}-{e['last_ms'] / 1000:.2f} s "
                 "of video)") if "n" in e else ""
        out.append(f"  {e['start'] - t0:6.3f} {e['end'] - t0:6.3f} {e['end'] - e['start']:6.3f}"
                   f"  {e['thread'][:22]:22s} {e['name']}{extra}")
    return out


def idle_by_phase(data: dict[str, Any]) -> dict[str, float]:
    """Idle core-seconds (cores × wall − process CPU) before, during and after pose."""
    samples, cores = data["samples"], data["cores"]
    pose = [e for e in data["events"] if e["name"] == "pipeline._extract"]
    t0, t1 = data["spawned"], data["exited"]
    s0 = samples[0][0]
    if not pose:
        return {}
    p0, p1 = pose[0]["start"], pose[0]["end"]
    return {
        "start-up (to pose)": cores * (p0 - t0) - busy_cores(samples, s0, p0)
        - 0.0,  # the interpreter's first ~0.1 s before the sampler counts as busy-unknown
        "pose pass": cores * (p1 - p0) - busy_cores(samples, p0, p1),
        "after pose (analysis, writers, exit)": cores * (t1 - p1)
        - busy_cores(samples, p1, samples[-1][0]),
    }


def final_pass_at(data: dict[str, Any], video_ms: float = 333.0) -> float | None:
    """Seconds from the pose pass's start until the pass that is kept (the last one to
    start at the first frame: a restart on flipped frames, if any) has analysed its
    frames up to ``video_ms`` of video: a restart's delay, compared with the same clip
    facing the canonical way."""
    pose = [e["start"] for e in data["events"] if e["name"] == "pipeline._extract"]
    frames = sorted(data["frames"], key=lambda f: f["start"])
    starts = [i for i, f in enumerate(frames) if f["ms"] == 0]
    if not pose or not starts:
        return None
    hit = next((f for f in frames[starts[-1]:] if f["ms"] >= video_ms), None)
    return None if hit is None else hit["end"] - pose[0]


def summary(data: dict[str, Any]) -> str:
    wall = data["exited"] - data["spawned"]
    cpu = data["samples"][-1][1]
    idle = idle_by_phase(data)
    at = final_pass_at(data)
    text = f"wall {wall:.2f} s, CPU {cpu:.2f} s, idle core-s: " + ", ".join(
        f"{k} {v:.2f}" for k, v in idle.items())
    collected = data.get("gc")
    if collected:  # older JSON files have none
        text += (f"; gc CPU {sum(collected['cpu_s']):.2f} s (full collections "
                 f"{collected['collections'][2]}: {collected['cpu_s'][2]:.2f} s)")
    return text + (f"; kept pass at frame 10 {at:.3f} s after pose start" if at else "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return child(argv[2:], float(argv[1]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video", type=Path)
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=ARGS: analyze options of one variant (repeatable)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each variant, alternated")
    ap.add_argument("--col-ms", type=float, default=50.0, help="chart: ms per character")
    ap.add_argument("--sample-ms", type=float, default=20.0, help="CPU sampling interval")
    ap.add_argument("--nice", type=int, default=0, help="run every child at this niceness")
    ap.add_argument("--quiet", action="store_true", help="summary lines only")
    ap.add_argument("--json", type=Path, default=None, help="write every run's data here")
    args = ap.parse_args(argv)
    variants = dict(v.split("=", 1) for v in args.variant) or {"jobs 1": "--jobs 1"}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in variants}
    for _ in range(max(1, args.repeat)):
        for name, extra in variants.items():
            data = run_once(args.video, shlex.split(extra), args.sample_ms, args.nice)
            runs[name].append(data)
            print(f"\n== {name} ({extra}): {summary(data)}")
            if not args.quiet:
                print(render(data, args.col_ms))
                print("\n".join(stages(data)))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, got in runs.items():
        walls = [d["exited"] - d["spawned"] for d in got]
        cpus = [d["samples"][-1][1] for d in got]
        ats = [a for a in (final_pass_at(d) for d in got) if a is not None]
        print(f"{name:12s} wall median {statistics.median(walls):6.2f} s "
              f"({' '.join(f'{w:.2f}' for w in walls)}), CPU median "
              f"{statistics.median(cpus):6.2f} s, kept pass at frame 10 median "
              f"{statistics.median(ats) if ats else float('nan'):.3f} s")
    if args.json:
        args.json.write_text(json.dumps(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
