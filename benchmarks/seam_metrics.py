"""Which metrics a seam moves, and why (issue 17), on cached landmarks.

Reads the passes cached by ``benchmarks/seam_cache.py`` and emulates the ``--jobs K``
splits exactly as :func:`gaitcheck.pose.segments.extract_in_segments` joins them (the
segments' landmarkers are the cached ones started at each segment's first frame; the
single pass's pose hooks give every analysis the scene lines ``gaitcheck analyze``
reads: the numbers match ``benchmarks/segments_check.py`` to the report's rounding).
Per clip and K it prints every metric that differs from the single pass beyond the
consistency tolerances (``tests/equivalence.py``), the largest angle change, and the
contacts added, lost or moved; then the same split analysed with the single pass's gait
events (``events of K=1``: what moves with the landmarks alone), and with the event
detector's anchor-to-event lags of the single pass (``anchor lags of K=1``: each foot's
lag is a weighted median over all its stances, so the landmarks after a seam re-time
that foot's events before it too). Then, per angle metric, the splits' change against
the single pass's own floor: the analysis of the frames from s on, by the landmarker
started at 0 and by the one started at s, largest over every cached s.

``--seam-after 5,10,20`` instead splits each clip in two at every cached start and
forces the seam that many frames after it (the earlier segment run on as far as
needed), against the best-agreement seam: does a longer settling buy anything?

Usage::

    python benchmarks/seam_metrics.py --cache DIR [--jobs 2,3] [--floor 3,15,45] [CLIP ...]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from seam_cache import CLIPS, load, plan_bounds, to_pass  # noqa: E402

Stitch = Callable[[Any, Any, int, int], Any]


def reporter(clip: Path, single: Any = None) -> Callable[..., Any]:
    """``report(pose_pass, events_from=None)``: the analysis of a pass (optionally with
    the gait events detected on another pass's tracks), as ``(report, tracks)``.

    With ``single`` (the single pass), the pose hooks are run once on a decode of the
    clip with its people and applied to every pass analysed, so the scene lines (camera
    roll) and scene motion are read as ``gaitcheck analyze`` reads them."""
    from gaitcheck.landmarks import MEDIAPIPE_TOE_REACH
    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.pose.extract import build_extraction
    from gaitcheck.video.reader import VideoReader

    reader = VideoReader(clip)
    decoding = {"stopped_early": False, "frames_skipped": 0, "first_error_s": None}
    # The cache holds MediaPipe's output (seam_cache.run): its toe landmark's reach.
    describe = {"backend": "cached", "toe_reach": MEDIAPIPE_TOE_REACH}
    hooks = None
    if single is not None:  # the single pass's scene lines and motion, as the CLI has
        from gaitcheck.pose.hooks import PassHooks

        hooks = PassHooks(reader.expected_frames)
        people = dict(zip(single.frame_index, single.candidates, strict=True))
        for frame in reader.frames():
            if people.get(frame.index):
                hooks(frame, people[frame.index])

    def report(p: Any, events_from: Any = None) -> tuple[dict, Any]:
        tracks = build_extraction(p, reader, describe, decoding).tracks
        if hooks is not None:
            tracks = hooks.apply(tracks, clip)
        with _events_of(events_from):
            return build_result(tracks, AnalyzeOptions()).report, tracks
    return report


@contextlib.contextmanager
def _events_of(tracks: Any) -> Iterator[None]:
    """Gait events detected on ``tracks`` whatever tracks the analysis is given."""
    if tracks is None:
        yield
        return
    import gaitcheck.analysis as analysis
    from gaitcheck.metrics.frames import levelled

    original = analysis.detect_gait_events

    def swapped(_given: Any, facing: str, settings: Any = None) -> Any:
        return original(levelled(tracks), facing, settings=settings)
    analysis.detect_gait_events = swapped
    try:
        yield
    finally:
        analysis.detect_gait_events = original


@contextlib.contextmanager
def _anchor_lags(record: list[dict[str, float]] | None = None,
                 replay: list[dict[str, float]] | None = None) -> Iterator[None]:
    """Record, or replay in call order, each foot's anchor-to-event lag of the event
    detector (:func:`gaitcheck.events.lags.stance_lags`: one weighted median over
    the whole segment's stances of one foot)."""
    import gaitcheck.events.lags as lags

    original, calls = lags.stance_lags, [0]

    def lag(direct: np.ndarray, anchor: np.ndarray, weight: np.ndarray, sides: np.ndarray,
            *args: Any, **kwargs: Any) -> np.ndarray:
        value = original(direct, anchor, weight, sides, *args, **kwargs)
        if record is not None:
            record.append({str(s): float(v) for s, v in zip(sides, value, strict=True)})
        if replay is not None and calls[0] < len(replay):
            per_side = replay[calls[0]]
            value = np.array([per_side.get(str(s), v) for s, v in zip(sides, value,
                                                                      strict=True)])
        calls[0] += 1
        return value
    lags.stance_lags = lag
    try:
        yield
    finally:
        lags.stance_lags = original


def emulate(passes: dict, bounds: list[tuple[int, int]], w: int, h: int,
            stitch: Stitch | None = None) -> tuple[Any, list]:
    """The split pass of ``bounds`` from the cached landmarkers, joined by ``stitch``
    (default :func:`gaitcheck.pose.seams.join`); returns the pass and its seams."""
    from gaitcheck.pose.seams import join

    stitch = stitch or join
    head = to_pass(passes[0], 0, bounds[0][1] + 1)
    seams = []
    for first, last in bounds[1:]:
        tail = to_pass(passes[first], 0, last - first + 1)
        seams.append(stitch(head, tail, w, h)[0])
    return head, seams


def forced(passes: dict, bounds: list[tuple[int, int]], after: int) -> Any:
    """The split pass of ``bounds`` with each seam ``after`` frames after the later
    segment's first frame (the earlier segment run on as far as needed)."""
    from gaitcheck.pose.extract import PosePass

    out = PosePass()
    cuts = [first + after for first, _ in bounds[1:]] + [None]
    sources = [(0, passes[0])] + [(first, passes[first]) for first, _ in bounds[1:]]
    begin = 0
    for (first, entry), cut in zip(sources, cuts, strict=True):
        part = to_pass(entry, begin - first, None if cut is None else cut - first)
        out.candidates += part.candidates
        out.time_s += part.time_s
        out.frame_index += part.frame_index
        begin = cut or 0
    return out


def seam_after_rows(clip: Path, cache: Path, afters: list[int]) -> list[list[float]]:
    """Two-segment splits at every cached start s (45 frames or more before the end):
    RMS and largest angle change against the single pass with the seam where the
    landmarks agree best in a :data:`~gaitcheck.pose.segments.OVERLAP_S` overlap, then
    with the seam forced each of ``afters`` frames after s; printed, and the RMS values
    returned (one row per split)."""
    from equivalence import differences

    from gaitcheck.pose.seams import join
    from gaitcheck.pose.segments import OVERLAP_S
    from gaitcheck.video.reader import VideoReader

    passes = load(cache, clip)
    info = VideoReader(clip).info
    n, overlap = len(passes[0]["time_s"]), round(OVERLAP_S * info.fps)
    report = reporter(clip, to_pass(passes[0]))
    single = report(to_pass(passes[0]))[0]
    out = []
    for s in sorted(passes):
        if s == 0 or s + 45 >= n:
            continue
        head = to_pass(passes[0], 0, s + overlap)
        seam = join(head, to_pass(passes[s]), info.width, info.height)[0]
        variants = [head] + [forced(passes, [(0, s - 1), (s, n - 1)], a) for a in afters]
        rms, cells = [], []
        for label, p in zip([f"best@{seam.frame_index - s}", *afters], variants, strict=True):
            other = report(p)[0]
            gaps = list(angle_gaps(single, other).values())
            rms.append(float(np.sqrt(np.mean(np.square(gaps)))) if gaps else 0.0)
            bad = any("deg" not in d for d in differences(single, other))
            cells.append(f"{label}: {rms[-1]:.2f}/{max(map(abs, gaps), default=0):.2f}"
                         f"{'*' if bad else ''}")
        print(f"{clip.stem[:24]:24s} s={s:3d} " + "  ".join(cells), flush=True)
        out.append(rms)
    return out


def seam_after_summary(rows: list[list[float]], afters: list[int]) -> None:
    """Paired change of the RMS angle change, forced seam minus best-agreement seam."""
    table = np.array(rows)
    print(f"{len(table)} splits; RMS angle change at the best-agreement seam: mean "
          f"{table[:, 0].mean():.3f} deg")
    for k, after in enumerate(afters, start=1):
        d = table[:, k] - table[:, 0]
        se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
        print(f"  seam {after:2d} frames after the start: paired change {d.mean():+.3f} "
              f"(standard error {se:.3f}, median {np.median(d):+.3f}; smaller in "
              f"{int((d < -0.01).sum())}, larger in {int((d > 0.01).sum())})")


def angle_gaps(a: dict, b: dict) -> dict[str, float]:
    """Signed b - a of every angle metric measured in both reports, degrees."""
    return {k: round(b["metrics"][k]["value"] - ma["value"], 2)
            for k, ma in a["metrics"].items()
            if ma.get("unit") == "deg" and isinstance(ma.get("value"), (int, float))
            and isinstance(b["metrics"].get(k, {}).get("value"), (int, float))}


def contact_changes(a: dict, b: dict) -> str:
    """Contacts of ``a`` lost or moved by more than 0.5 frame in ``b`` and contacts
    ``b`` adds (frame numbers, side initial)."""
    ca = [(c["frame"], c["side"][0]) for c in a["events"]["contacts"]]
    cb = [(c["frame"], c["side"][0]) for c in b["events"]["contacts"]]
    out = []
    for f, s in ca:
        near = [g for g, t in cb if t == s and abs(g - f) <= 3]
        if not near:
            out.append(f"lost {s}@{f}")
        elif min(abs(g - f) for g in near) > 0.5:
            g = min(near, key=lambda g: abs(g - f))
            out.append(f"{s}@{f}->{g}")
    out += [f"added {t}@{g}" for g, t in cb
            if not any(s == t and abs(g - f) <= 3 for f, s in ca)]
    return ", ".join(out) or "none"


def compare(name: str, ref: dict, other: dict) -> dict:
    from equivalence import differences

    gaps = angle_gaps(ref, other)
    worst = max((abs(v) for v in gaps.values()), default=0.0)
    over = {k: v for k, v in gaps.items() if abs(v) > 1.0}
    diffs = differences(ref, other)
    print(f"  {name}: largest angle change {worst:.2f} deg; over 1 deg {over}; "
          f"contacts {len(ref['events']['contacts'])}->{len(other['events']['contacts'])}: "
          f"{contact_changes(ref, other)}")
    for line in diffs:
        if not line.startswith("contact "):
            print(f"      differs: {line}")
    return {"variant": name, "largest_angle_change_deg": worst, "angles_over_1deg": over,
            "differences": diffs}


def study(clip: Path, cache: Path, jobs: list[int], floor: list[int],
          stitch: Stitch | None = None) -> list[dict]:
    from gaitcheck.video.reader import VideoReader

    passes = load(cache, clip)
    info = VideoReader(clip).info
    report = reporter(clip, to_pass(passes[0]))
    lags: list[dict[str, float]] = []
    with _anchor_lags(record=lags):
        single, single_tracks = report(to_pass(passes[0]))
    print(f"{clip.name}: {len(passes[0]['time_s'])} frames, "
          f"{len(single['events']['contacts'])} contacts")
    rows = []
    for k in jobs:
        bounds = plan_bounds(clip, k)
        if len(bounds) < 2 or any(b[0] not in passes for b in bounds[1:]):
            continue
        joined, seams = emulate(passes, bounds, info.width, info.height, stitch)
        split, _ = report(joined)
        where = [(s.frame_index, round(s.disagreement, 4), s.overlap_frames) for s in seams]
        rows.append(compare(f"K={k} seams {where}", single, split)
                    | {"jobs": k, "report": split})
        rows.append(compare(f"K={k} with the events of K=1", single,
                            report(joined, single_tracks)[0]) | {"jobs": k})
        with _anchor_lags(replay=lags):
            rows.append(compare(f"K={k} with the anchor lags of K=1", single,
                                report(joined)[0]) | {"jobs": k})
    spread: dict[str, float] = {}
    for s in sorted(passes):
        if s == 0:
            continue
        ref = report(to_pass(passes[0], s))[0]
        late = report(to_pass(passes[s]))[0]
        for name, gap in angle_gaps(ref, late).items():
            spread[name] = max(spread.get(name, 0.0), abs(gap))
        if s in floor:
            rows.append(compare(f"floor: landmarker started {s} frames late", ref, late)
                        | {"late": s})
    splits = [r for r in rows if "report" in r]
    print(f"  per angle metric, |change| of the splits (K={[r['jobs'] for r in splits]}) "
          f"and the single pass's start floor (largest |change| over the landmarkers "
          f"started at {[s for s in sorted(passes) if s]}):")
    for name in sorted(spread):
        moved = [abs(angle_gaps(single, r["report"]).get(name, 0.0)) for r in splits]
        print(f"    {name:28s} split {' '.join(f'{m:5.2f}' for m in moved)}   floor "
              f"{spread[name]:5.2f}{'   ABOVE' if max(moved, default=0) > spread[name] else ''}")
    for r in rows:
        r.pop("report", None)
    return rows


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.cli.native_stderr import native_stderr_silenced

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--jobs", default="2,3")
    parser.add_argument("--floor", default="3,15,45")
    parser.add_argument("--seam-after", default="",
                        help="instead: seams forced this many frames after each later "
                             "segment's start (comma separated)")
    args = parser.parse_args(argv)
    if args.seam_after:
        afters = [int(v) for v in args.seam_after.split(",")]
        rows: list[list[float]] = []
        print("per split: RMS/largest angle change (deg) against the single pass, * where "
              "a contact, duration or finding differs too")
        with native_stderr_silenced(), np.errstate(all="ignore"):
            for clip in args.clips:
                if (args.cache / f"{clip.stem}.npz").is_file():
                    rows += seam_after_rows(clip, args.cache, afters)
        seam_after_summary(rows, afters)
        return 0
    with native_stderr_silenced(), np.errstate(all="ignore"):
        for clip in args.clips:
            if (args.cache / f"{clip.stem}.npz").is_file():
                study(clip, args.cache, [int(v) for v in args.jobs.split(",")],
                      [int(v) for v in args.floor.split(",") if v])
    return 0


if __name__ == "__main__":
    sys.exit(main())
