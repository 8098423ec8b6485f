"""Where the wall time of one ``gaitcheck analyze`` run goes, stage by stage.

Runs ``gaitcheck analyze ARGS`` in this process with the pipeline's stages wrapped by
timers, and prints one JSON object: each wrapped call's thread, start and end (Unix
time, s) and the thread's CPU seconds in it (MediaPipe's own native threads are not in
any Python thread's CPU time), and the process's CPU seconds. ``bench.py --only stages``
runs it as a child process and turns the events into a table (start-up, pose with each
segment's model load and first frame, stitching, analysis, report writers, exit).

Usage::

    python benchmarks/stage_profile.py VIDEO -o OUT -q --jobs 2
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

EVENTS: list[dict[str, Any]] = []
#: (module, function or Class.method) wrapped before the run; modules that hold a
#: reference under the same name (``from x import f``) get the wrapper too.
TARGETS = (
    ("gaitcheck.pipeline", "analyze_video"), ("gaitcheck.pipeline", "_extract"),
    ("gaitcheck.pipeline", "_mediapipe_backend"),
    ("gaitcheck.pose.run", "import_mediapipe_quietly"), ("gaitcheck.pipeline", "build_result"),
    ("gaitcheck.pipeline", "_Digest.get"),
    ("gaitcheck.pose.segment_pass", "Segment.run"), ("gaitcheck.pose.segments", "_Segment.run"),
    ("gaitcheck.pose.segments", "single_pass"),
    ("gaitcheck.pose.segments", "join"), ("gaitcheck.pose.segments", "build_extraction"),
    ("gaitcheck.pose.segments", "subject_crosses_seams"),
    ("gaitcheck.pose.segments", "joined"), ("gaitcheck.pose.extract", "peek_exposure"),
    ("gaitcheck.pose.extract", "build_extraction"), ("gaitcheck.pose.hooks", "_with_scene"),
    ("gaitcheck.pose.run", "WarmUp._run"), ("gaitcheck.pose.run", "WarmUp.join"),
    ("gaitcheck.report.writers", "save_result"),
    ("gaitcheck.report.writers", "save_tracks_npz"),
    ("gaitcheck.report.writers", "save_tracks_csv"),
    ("gaitcheck.report.writers", "write_report"),
)
#: Wrapped once imported (the pipeline imports them late, on purpose).
LATE = (("gaitcheck.report.keyframes", "extract_keyframes"),
        ("gaitcheck.report.csv_report", "write_csvs"), ("gaitcheck.report.html", "write_html"),
        ("gaitcheck.report.annotate", "write_annotated_video"),
        ("gaitcheck.report.pdf", "write_report_pdf"))


def wrap(module: str, qualname: str, label: str | None = None) -> None:
    """Replace ``module.qualname`` (and every module-level alias of it) by a timer whose
    events are named ``label`` (default: the module's last part and ``qualname``);
    nothing when the checkout has no such function (an older revision's layout)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        return
    owner: Any = mod
    name = qualname
    if "." in qualname:
        cls, name = qualname.split(".")
        owner = getattr(mod, cls, None)
    original = getattr(owner, name, None)
    if original is None:
        return
    label = label or f"{module.rsplit('.', 1)[-1]}.{qualname}"
    if label == "segments._Segment.run":
        label = "segment_pass.Segment.run"  # the same stage before segments.py was split

    def timed(*args: Any, **kwargs: Any) -> Any:
        t, cpu = time.time(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            EVENTS.append({"thread": threading.current_thread().name, "name": label,
                           "start": t, "end": time.time(),
                           "thread_cpu_s": time.thread_time() - cpu})

    setattr(owner, name, timed)
    if owner is mod:  # gaitcheck's own aliases (scanning every module takes seconds)
        for other in [m for n, m in list(sys.modules.items()) if n.startswith("gaitcheck")]:
            namespace = getattr(other, "__dict__", None)
            if namespace is not None:
                for key, value in list(namespace.items()):
                    if value is original:
                        namespace[key] = timed


def main(argv: list[str]) -> int:
    imported = time.time()
    import gaitcheck.cli.app as cli
    import gaitcheck.pipeline  # noqa: F401  (what `analyze` imports first)

    EVENTS.append({"thread": "MainThread", "name": "imports: CLI and pipeline",
                   "start": imported, "end": time.time(), "thread_cpu_s": None})
    for module, qualname in TARGETS:
        wrap(module, qualname)
    late: list[Callable[[], None]] = [lambda m=m, q=q: wrap(m, q) for m, q in LATE]
    import gaitcheck.report.writers as writers

    original = writers.write_reports

    def write_reports(*args: Any, **kwargs: Any) -> Any:
        while late:  # imported by now (the warm-up), or imported here
            late.pop()()
        return original(*args, **kwargs)

    writers.write_reports = write_reports
    code = 0
    sys.argv = ["gaitcheck", "analyze", *argv]
    try:
        cli.main()  # the console script's own path, to its exit
    except SystemExit as err:
        code = int(err.code or 0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"events": EVENTS, "returned": time.time(), "exit_code": code,
                      "cpu_s": usage.ru_utime + usage.ru_stime,
                      "maxrss_mb": usage.ru_maxrss / 1024}))
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
