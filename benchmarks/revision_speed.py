"""End-to-end speed of ``gaitcheck analyze`` at two git revisions, measured in one run.

Both revisions run the same command on the same clip, alternately (so drift in machine
load hits both alike), each in a fresh interpreter, ``--repeat`` times. The older
revision is checked out into a temporary detached worktree and put first on
``PYTHONPATH``, so it runs with this checkout's virtual environment (its dependencies
must be installed there). Prints wall and CPU time per run, the medians, and the ratio
new / old; run it on an idle machine.

Usage::

    python benchmarks/revision_speed.py OLD_REV [NEW_REV] [--video CLIP] [--repeat 7]

``NEW_REV`` defaults to the working tree itself (uncommitted changes included). Example,
the issue-14 goal (end-to-end speed within 5 % of the code before the consistency work)::

    python benchmarks/revision_speed.py 65f13ec --repeat 7
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "videos" / "treadmill_side_30fps.mp4"


def worktree(rev: str, where: Path) -> Path:
    """A detached checkout of ``rev`` under ``where``."""
    path = where / rev.replace("/", "_")
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(path),
                    rev], check=True)
    return path


def run_once(source: Path, video: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children) of one ``gaitcheck analyze``."""
    env = dict(os.environ, PYTHONPATH=str(source), GAITCHECK_JOBS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gaitcheck", "analyze", str(video), "-o", str(out)],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default=None)
    parser.add_argument("--video", type=Path, default=CLIP)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.video.exists():
        print(f"error: video not found: {args.video}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gaitcheck-revspeed-") as tmp:
        tmp_path = Path(tmp)
        sources = {"old": worktree(args.old, tmp_path),
                   "new": worktree(args.new, tmp_path) if args.new else REPO}
        try:
            times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
            for i in range(args.repeat):
                order = ("old", "new") if i % 2 == 0 else ("new", "old")
                for which in order:
                    wall, cpu = run_once(sources[which], args.video, tmp_path / f"out-{which}")
                    times[which].append((wall, cpu))
                    print(f"run {i + 1} {which}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
        finally:
            for path in sources.values():
                if path != REPO:
                    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                                    str(path)], check=False)
        med = {w: (statistics.median(t[0] for t in v), statistics.median(t[1] for t in v))
               for w, v in times.items()}
        print(f"median old ({args.old}): {med['old'][0]:.2f} s wall, {med['old'][1]:.2f} s CPU")
        print(f"median new ({args.new or 'working tree'}): {med['new'][0]:.2f} s wall, "
              f"{med['new'][1]:.2f} s CPU")
        print(f"ratio new/old: wall {med['new'][0] / med['old'][0]:.3f}, "
              f"CPU {med['new'][1] / med['old'][1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
