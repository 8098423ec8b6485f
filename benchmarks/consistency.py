"""Consistency suite: the same runner must give the same numbers.

Every clip is transformed in ways that do not change the runner (mirror, half size, an
off-centre runner, a camera rolled ±4°, a darker low-contrast picture, heavy
re-compression, 60 → 30 fps, and each half of the clip on its own), pose runs once per
transformed clip (cached), and the analysis is compared with the untransformed clip's.
For each metric the largest change over the transforms is printed against its target
(issue 14), and the spread table is written as JSON (``--spread-out``): it is the
systematic part of each metric's uncertainty.

Usage::

    python benchmarks/consistency.py [--cache DIR] [--clips treadmill,synth60]
        [--spread-out gaitcheck/metrics/systematic.json]

Pose is the slow step: landmark files of each transformed clip are cached in ``--cache``
(default ``~/.cache/gaitcheck-consistency``), so re-running analyses takes seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "videos"

#: ffmpeg filter (or None) of every video transform; "crf35" re-encodes at CRF 35.
FILTERS: dict[str, str | None] = {
    "mirror": "hflip",
    "half": "scale=trunc(iw/4)*2:trunc(ih/4)*2",
    "offcentre": "pad=trunc(iw*3/4)*2:ih:0:0:black",
    "roll+4": "rotate=4*PI/180:fillcolor=black",
    "roll-4": "rotate=-4*PI/180:fillcolor=black",
    "dim": "lutyuv=y=val*0.5,eq=contrast=1.4",
    "crf35": None,
    "fps30": "fps=30",
}
#: Transforms that need no new pose run: the analysis window of the base landmarks.
HALVES = ("first-half", "second-half")

#: Largest acceptable change per metric (issue 14), in the metric's unit.
TARGETS: dict[str, float] = {
    "cadence_spm": 1.0, "trunk_lean_deg": 2.0, "head_forward_deg": 2.0,
    "foot_strike": 3.0, "knee_flexion_ic_deg": 3.0, "overstride_pct": 4.0,
    "ground_contact_ms": 1.0,  # frames (of the lower frame rate of the two clips)
}


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def transform(src: Path, dst: Path, name: str) -> Path:
    """Write ``src`` transformed by ``name`` (see :data:`FILTERS`) to ``dst``."""
    if dst.exists():
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    vf = FILTERS[name]
    cmd = [ffmpeg(), "-v", "error", "-y", "-i", str(src)]
    if vf:
        cmd += ["-vf", vf]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "35" if name == "crf35" else "18",
            "-pix_fmt", "yuv420p", "-an", str(dst.with_suffix(".tmp.mp4"))]
    subprocess.run(cmd, check=True)
    dst.with_suffix(".tmp.mp4").rename(dst)
    return dst


def landmarks_for(video: Path, npz: Path, max_people: int = 1) -> Path:
    """Pose on ``video`` once; the landmark tracks are cached in ``npz``."""
    if npz.exists():
        return npz
    from gaitcheck.pipeline import AnalyzeOptions, run_video
    from gaitcheck.tracks.io import save_tracks_npz

    result = run_video(video, AnalyzeOptions(max_people=max_people))
    npz.parent.mkdir(parents=True, exist_ok=True)
    save_tracks_npz(result.tracks, npz)
    return npz


def synth_clip(out: Path, fps: float = 60.0, duration: float = 6.0, view: str = "side-left",
               roll_deg: float = 0.0, size: tuple[int, int] = (540, 960),
               **params: Any) -> Path:
    """A rendered synthetic runner (cached), camera rolled by ``roll_deg``."""
    if out.exists():
        return out
    from gaitcheck.synth.camera import camera_for_view
    from gaitcheck.synth.clip import DEFAULT_FILL, truth_path
    from gaitcheck.synth.kinematics import generate_motion
    from gaitcheck.synth.params import GaitParams
    from gaitcheck.synth.render import SceneStyle, render_video
    from gaitcheck.synth.truth import truth_document

    p = GaitParams(fps=fps, duration_s=duration, **params)
    cam = camera_for_view(view, subject_height_m=p.body_height_m, width=size[0],
                          height=size[1], fps=fps, fill=DEFAULT_FILL[p.setting],
                          roll_deg=roll_deg)
    motion = generate_motion(p)
    out.parent.mkdir(parents=True, exist_ok=True)
    render_video(motion, cam, out, style=SceneStyle(setting=p.setting,
                                                   console=p.setting == "treadmill"))
    doc = truth_document(motion, cam, out.stem) | {"view": view, "roll_deg": roll_deg}
    truth_path(out).write_text(json.dumps(doc) + "\n")
    return out


def analyse(npz: Path, video: Path | None, start_s: float | None = None,
            end_s: float | None = None) -> dict[str, Any]:
    """report.json of the cached landmarks (scene lines from ``video`` when given)."""
    from gaitcheck.pipeline import AnalyzeOptions, _trim, build_result
    from gaitcheck.tracks.io import load_tracks
    from gaitcheck.tracks.tracks import LandmarkTracks

    tracks = load_tracks(npz)
    if video is not None and "scene_lines" not in tracks.source:
        from gaitcheck.video.lines import scene_lines_from_video

        lines = scene_lines_from_video(video, tracks)
        tracks = LandmarkTracks(tracks.image, tracks.world, tracks.time_s, tracks.frame_index,
                                tracks.video, tracks.source | {"scene_lines": lines})
    tracks = _trim(tracks, AnalyzeOptions(start_s=start_s, end_s=end_s))
    return build_result(tracks, AnalyzeOptions()).report


def _value(report: dict[str, Any], key: str) -> Any:
    m = report["metrics"].get(key) or {}
    return m.get("value")


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The compared quantities of one report."""
    fps = report.get("video", {}).get("fps") or 30.0
    out = {k: _value(report, k) for k in TARGETS}
    out["frame_ms"] = 1000.0 / fps
    strike = report["metrics"].get("foot_strike") or {}
    out["strike_class"] = (strike.get("extra") or strike).get("pattern")
    frame = report["analysis"]["frame"]
    out["ground_angle_deg"] = frame.get("ground_angle_deg")
    out["ground_source"] = frame.get("ground_source")
    out["view"] = report["view"]["value"]
    out["setting"] = report["setting"]["value"]
    out["activity"] = report["activity"]["value"]
    out["findings"] = sorted(f["metric"] for f in report["findings"])
    return out


def compare(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Change of every numeric quantity; equality of the categorical ones."""
    out: dict[str, Any] = {}
    for k in [*TARGETS, "ground_angle_deg"]:
        a, b = base.get(k), other.get(k)
        out[k] = None if a is None or b is None else float(b - a)
    if out["ground_contact_ms"] is not None:  # in frames
        out["ground_contact_ms"] /= max(base["frame_ms"], other["frame_ms"])
    for k in ("strike_class", "view", "setting", "activity", "findings"):
        out[k] = base.get(k) == other.get(k)
    return out


CLIPS: dict[str, Callable[[Path], tuple[Path, list[str]]]] = {
    "treadmill": lambda cache: (SHARED / "treadmill_side_30fps.mp4",
                                ["mirror", "half", "offcentre", "roll+4", "roll-4", "dim",
                                 "crf35"]),
    # Walking, with other people in view (default mode looks again tracking two).
    "walking": lambda cache: (SHARED / "walking_side_distractors.mp4",
                              ["mirror", "half", "roll+4", "crf35"]),
    "synth60": lambda cache: (synth_clip(cache / "synth60" / "base.mp4"),
                              ["fps30", "mirror", "half", "offcentre", "roll+4", "roll-4",
                               "dim", "crf35"]),
}


def run_clip(name: str, cache: Path, analyses: bool = True) -> dict[str, dict[str, Any]]:
    src, transforms = CLIPS[name](cache)
    folder = cache / name
    people = 1  # default mode: the walking clip's bystander triggers its second look
    base_npz = landmarks_for(src, folder / "base.landmarks.npz", people)
    rows: dict[str, dict[str, Any]] = {}
    if not analyses:
        for t in transforms:
            video = transform(src, folder / f"{t}.mp4", t)
            landmarks_for(video, folder / f"{t}.landmarks.npz", people)
        return rows
    base = summary(analyse(base_npz, src))
    rows["base"] = base
    duration = None
    for t in transforms:
        video = transform(src, folder / f"{t}.mp4", t)
        npz = landmarks_for(video, folder / f"{t}.landmarks.npz", people)
        rows[t] = summary(analyse(npz, video))
    from gaitcheck.tracks.io import load_tracks

    duration = float(load_tracks(base_npz).time_s[-1])
    rows["first-half"] = summary(analyse(base_npz, src, None, duration / 2))
    rows["second-half"] = summary(analyse(base_npz, src, duration / 2, None))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" /
                    "gaitcheck-consistency")
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--pose-only", action="store_true",
                    help="only make the transformed clips and their landmarks")
    ap.add_argument("--spread-out", type=Path)
    args = ap.parse_args(argv)
    spread: dict[str, dict[str, float]] = {}
    failures = 0
    for name in args.clips.split(","):
        rows = run_clip(name, args.cache, not args.pose_only)
        if args.pose_only:
            continue
        base = rows["base"]
        print(f"\n## {name}  (base: " + ", ".join(
            f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in base.items() if k != "findings") + ")")
        for t, row in rows.items():
            if t == "base":
                continue
            c = compare(base, row)
            cells = []
            for k in [*TARGETS, "ground_angle_deg"]:
                v = c[k]
                bad = v is not None and k in TARGETS and abs(v) > TARGETS[k]
                failures += bad
                cells.append(f"{k}={'—' if v is None else f'{v:+.2f}'}{'!' if bad else ''}")
                if v is not None and k != "ground_angle_deg":
                    spread.setdefault(k, {})[f"{name}/{t}"] = round(abs(v), 3)
            same = [k for k in ("strike_class", "view", "setting", "activity", "findings")
                    if not c[k]]
            failures += len(same)
            changed = {k: (base[k], row[k]) for k in same}
            print(f"  {t:12s} " + " ".join(cells) + (f"  CHANGED: {changed}" if same else ""))
    if spread:
        print("\nlargest change per metric (target):")
        for k, per in spread.items():
            worst = max(per, key=per.get)
            print(f"  {k:22s} {per[worst]:7.2f}  ({TARGETS.get(k, '-')})  at {worst}")
    if args.spread_out and spread:
        table = {"format": "gaitcheck-systematic/1",
                 "about": "Largest and typical change of each metric between a clip and the "
                          "same clip transformed (mirror, half size, off-centre, roll ±4°, "
                          "dim, CRF 35, 60→30 fps, halves): the systematic part of its "
                          "uncertainty. Written by benchmarks/consistency.py. Contact time "
                          "in frames of the coarser clip; other units as the metric.",
                 "metrics": {k: {"max_abs_change": max(v.values()),
                                 "median_abs_change": round(float(np.median(list(v.values()))),
                                                            3),
                                 "per_transform": v} for k, v in spread.items()}}
        args.spread_out.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
