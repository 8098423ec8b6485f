"""Posture accuracy: trunk lean and head-forward against truth on every measured clip.

Sources (pose landmarks cached, one pose run per video):

* the shared real treadmill clip and its mirror, at the 15 hand-marked frames of
  ``treadmill_side_30fps.angles.json`` (ear = tragus, shoulder and hip joint centres):
  ours against the marked shoulder → tragus angle, and against our own definition
  (neck base → tragus) computed from the marked points;
* the rendered samples ``treadmill_heel_striker_side`` (head 28°) and
  ``overground_forefoot_side`` (faces right), the rendered ``--trunk-lean 12
  --strike forefoot`` runner, the 480x360 clip of issue 14 and the 60 fps runner of the
  consistency suite with its mirror: clip mean against the exact synthetic truth.

Then the ear-bias constant (``formulas.MEDIAPIPE_EAR_BIAS``) refitted with each clip left
out (the value that zeroes the mean head error of the others) and that clip's error at it:
a constant that only suits one clip shows up here.

Usage::

    python benchmarks/posture_accuracy.py [--cache DIR]

``--cache`` uses the layout of ``benchmarks/consistency.py``'s cache (``treadmill/``,
``synth60/``) plus ``fore.out/``, ``base.out/`` and ``<sample>.out/`` landmark folders;
whatever is missing is rendered and run through pose once.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consistency import SHARED, landmarks_for, synth_clip, transform

ROOT = Path(__file__).resolve().parents[1]
REAL = SHARED / "treadmill_side_30fps.mp4"


@dataclass(frozen=True)
class Source:
    """One clip: its landmarks, the video they came from, and its truth."""

    name: str
    npz: Path
    video: Path
    truth: Path | None  # synthetic truth JSON; None = the shared clip's marked frames
    mirrored: bool = False


def _rendered(cache: Path, stem: str, **params: Any) -> Path:
    from gaitcheck.synth.clip import ClipSpec, make_clip
    from gaitcheck.synth.params import GaitParams

    video = cache / f"{stem}.mp4"
    if not video.exists():
        size = params.pop("size", None)
        make_clip(video, ClipSpec(GaitParams(**params), size=size))
    return video


def sources(cache: Path) -> list[Source]:
    """Every clip of the table, making (and running pose on) whatever is missing."""
    out = []
    if REAL.exists():
        mirror = transform(REAL, cache / "treadmill" / "mirror.mp4", "mirror")
        out += [Source("real treadmill, 15 marked frames",
                       landmarks_for(REAL, cache / "treadmill" / "base.landmarks.npz"), REAL,
                       None),
                Source("real treadmill mirrored",
                       landmarks_for(mirror, cache / "treadmill" / "mirror.landmarks.npz"),
                       mirror, None, mirrored=True)]
    for stem in ("treadmill_heel_striker_side", "overground_forefoot_side"):
        video = ROOT / "sample_videos" / f"{stem}.mp4"
        out.append(Source(f"sample {stem}", landmarks_for(video, cache / f"{stem}.out" /
                                                          "landmarks.npz"), video,
                          video.with_name(f"{stem}.truth.json")))
    fore = _rendered(cache, "fore", trunk_lean_deg=12.0, strike="forefoot")
    base = _rendered(cache, "base", duration_s=3.0, size=(480, 360))
    out += [Source("rendered --trunk-lean 12 --strike forefoot",
                   landmarks_for(fore, cache / "fore.out" / "landmarks.npz"), fore,
                   fore.with_suffix(".truth.json")),
            Source("rendered 480x360 (3 s)", landmarks_for(base, cache / "base.out" /
                                                           "landmarks.npz"), base,
                   base.with_suffix(".truth.json"))]
    s60 = synth_clip(cache / "synth60" / "base.mp4")
    s60m = transform(s60, cache / "synth60" / "mirror.mp4", "mirror")
    out += [Source("rendered 60 fps side-left", landmarks_for(s60, cache / "synth60" /
                                                              "base.landmarks.npz"), s60,
                   s60.with_suffix(".truth.json")),
            Source("rendered 60 fps mirrored (faces right)",
                   landmarks_for(s60m, cache / "synth60" / "mirror.landmarks.npz"), s60m,
                   s60.with_suffix(".truth.json"), mirrored=True)]
    return out


@cache
def _result(src: Source) -> Any:
    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.tracks.io import load_tracks
    from gaitcheck.tracks.tracks import LandmarkTracks
    from gaitcheck.video.lines import scene_lines_from_video

    t = load_tracks(src.npz)
    if "scene_lines" not in t.source:
        t = LandmarkTracks(t.image, t.world, t.time_s, t.frame_index, t.video,
                           t.source | {"scene_lines": scene_lines_from_video(src.video, t)})
    return build_result(t, AnalyzeOptions())


def _sagittal(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, str]:
    """Cleaned hip, shoulder and ear midpoints as levelled ``(forward, up)`` pixels."""
    from gaitcheck.landmarks import LM
    from gaitcheck.metrics.frames import image_sagittal, rotate

    g = float(result.report["analysis"]["frame"].get("ground_angle_deg") or 0.0)
    facing = result.report["view"]["facing"]
    sag = rotate(image_sagittal(result.cleaned, facing), g)
    mid = [(sag[:, LM[f"left_{p}"]] + sag[:, LM[f"right_{p}"]]) / 2
           for p in ("hip", "shoulder", "ear")]
    return mid[0], mid[1], mid[2], g, facing


def _marks(result: Any, mirrored: bool) -> tuple[list[int], dict[str, np.ndarray]]:
    """Rows of the marked frames and the marked points, levelled like the landmarks."""
    from gaitcheck.metrics.frames import rotate

    marks = json.loads(REAL.with_name("treadmill_side_30fps.angles.json").read_text())
    _, _, _, g, facing = _sagittal(result)
    width = result.report["video"]["width"]
    sign = -1.0 if facing == "left" else 1.0
    pts = {}
    for key in ("ear", "sh", "hip"):
        xy = np.array([m["points_px"][key] for m in marks["frames"]], float)
        x = width - xy[:, 0] if mirrored else xy[:, 0]
        pts[key] = rotate(np.stack([sign * x, -xy[:, 1]], axis=1), g)
    return [round(result.row_of_frame(m["frame"])) for m in marks["frames"]], pts


def errors(src: Source, ear_bias: float | None = None) -> dict[str, Any]:
    """Head and trunk errors of one clip (degrees), with the formulas' constants or with
    ``ear_bias`` in place of :data:`~gaitcheck.metrics.formulas.MEDIAPIPE_EAR_BIAS`."""
    from gaitcheck.metrics import formulas as f

    result = _result(src)
    hip, sh, ear, _, _ = _sagittal(result)
    bias = f.landmark_bias_for(result.tracks.source)
    if ear_bias is not None:
        bias = f.LandmarkBias(ear_bias, bias.hip_drop)
    head = f.head_posture_deg(hip, sh, ear, bias)
    trunk = f.trunk_posture_deg(hip, sh, ear, bias)
    if src.truth is None:
        rows, p = _marks(result, src.mirrored)
        e = {"head": head[rows] - f.head_forward_deg(p["sh"], p["ear"]),
             "head_own": head[rows] - f.head_posture_deg(p["hip"], p["sh"], p["ear"]),
             "trunk": trunk[rows] - f.trunk_lean_deg(p["hip"], p["sh"])}
        return {k: (float(np.mean(v)), float(np.std(v, ddof=1)), len(v)) for k, v in e.items()}
    truth = json.loads(src.truth.read_text())["metrics"]
    m = result.report["metrics"]
    return {"head": float(np.nanmean(head)) - truth["head_forward_deg"]["value"],
            "trunk": float(np.nanmean(trunk)) - truth["trunk_lean_deg"]["value"],
            "reported": (m["head_forward_deg"]["value"], m["trunk_lean_deg"]["value"]),
            "truth": (truth["head_forward_deg"]["value"], truth["trunk_lean_deg"]["value"])}


def _head(e: dict[str, Any]) -> float:
    return e["head"][0] if isinstance(e["head"], tuple) else e["head"]


def main(argv: list[str] | None = None) -> int:
    from gaitcheck.metrics import formulas as f

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" /
                    "gaitcheck-consistency")
    args = ap.parse_args(argv)
    srcs = sources(args.cache)
    print(f"ear bias {f.MEDIAPIPE_EAR_BIAS}, hip drop {f.MEDIAPIPE_HIP_DROP} (of hip → ear)")
    print("| clip | head-forward error ° | trunk lean error ° |\n|---|---|---|")
    for src in srcs:
        e = errors(src)
        if src.truth is None:
            h, own, t = e["head"], e["head_own"], e["trunk"]
            print(f"| {src.name} | {h[0]:+.2f} (SD {h[1]:.2f}, n {h[2]}); against our "
                  f"definition on the marks {own[0]:+.2f} | {t[0]:+.2f} (SD {t[1]:.2f}) |")
        else:
            print(f"| {src.name} (truth {e['truth'][0]:g}° / {e['truth'][1]:g}°) | "
                  f"{e['head']:+.2f} | {e['trunk']:+.2f} |")
    grid = np.round(np.arange(0.0, 0.0451, 0.0025), 4)
    table = {s.name: np.array([_head(errors(s, b)) for b in grid]) for s in srcs}

    def fit(names: list[str]) -> float:
        mean = np.mean([table[n] for n in names], axis=0)  # falls as the bias grows
        return float(np.interp(0.0, mean[::-1], grid[::-1]))

    print(f"\near bias zeroing the mean head error over all clips: {fit(list(table)):.4f}")
    print("leave one clip out: refitted ear bias -> the left-out clip's head error")
    for name in table:
        b = fit([n for n in table if n != name])
        print(f"  {name:45s} {b:.4f} -> {np.interp(b, grid, table[name]):+.2f}")
    real = [n for n in table if n.startswith("real")]
    if real:
        rendered = [n for n in table if n not in real]
        b = fit(rendered)
        print(f"  rendered only {b:.4f} -> " + ", ".join(
            f"{n} {np.interp(b, grid, table[n]):+.2f}" for n in real))
        b = fit(real)
        print(f"  real only {b:.4f} -> " + ", ".join(
            f"{n} {np.interp(b, grid, table[n]):+.2f}" for n in rendered))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
