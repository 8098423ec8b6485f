"""Which facing is MediaPipe more accurate in? Pose in both orientations against truth.

Every clip is run through pose twice in one process, single pass (``--jobs 1``): as
filmed, and with every frame flipped left-right before the landmarker and the landmarks
mapped back (:func:`gaitcheck.pose.canonical.unflip_candidate`). Both landmark sets are
in the video's own coordinates, so the same truth applies to both:

* the shared real treadmill clip: labelled contacts (``truth.json``), the hand-marked
  ear/shoulder/hip frames (``angles.json``) and the shoe's 20-30° toes-up at contact seen
  in the pictures;
* rendered runners with exact truth: the 60 fps runner of the consistency suite, the
  ``--trunk-lean 12 --strike forefoot`` runner, a rearfoot striker facing right, a
  midfoot striker facing left, and the two side-view samples (heel striker facing left,
  overground forefoot striker facing right).

Printed per clip and orientation (``L`` = the model saw the runner face image-left):
foot angle at contact and its error, strike class, trunk/head/knee-at-contact errors,
contact time error and the initial contacts' timing against truth.

Usage::

    python benchmarks/canonical_facing.py --cache DIR [--clips real,synth60,fore,...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consistency import SHARED, synth_clip

ROOT = Path(__file__).resolve().parents[1]
REAL = SHARED / "treadmill_side_30fps.mp4"


def landmarks(video: Path, npz: Path, flip: bool) -> Path:
    """Pose on ``video`` once (flipped frames when ``flip``), cached in ``npz``."""
    if npz.exists():
        return npz
    from gaitcheck.pipeline import AnalyzeOptions, _mediapipe_backend, run_video
    from gaitcheck.pose.canonical import CanonicalBackend, FacingDecision
    from gaitcheck.tracks.io import save_tracks_npz

    def factory(options: Any) -> Any:
        return CanonicalBackend(_mediapipe_backend(options), FacingDecision(flip=flip))

    result = run_video(video, AnalyzeOptions(max_people=1, jobs=1), backend_factory=factory)
    npz.parent.mkdir(parents=True, exist_ok=True)
    save_tracks_npz(result.tracks, npz)
    return npz


def _render(cache: Path, stem: str, view: str = "side-left", **params: Any) -> Path:
    from gaitcheck.synth.clip import ClipSpec, make_clip
    from gaitcheck.synth.params import GaitParams

    video = cache / f"{stem}.mp4"
    if not video.exists():
        video.parent.mkdir(parents=True, exist_ok=True)
        make_clip(video, ClipSpec(GaitParams(**params), view=view))
    return video


def clips(cache: Path) -> dict[str, tuple[Path, Path | None]]:
    """name → (video, synthetic truth JSON or None for the real clip)."""
    s60 = synth_clip(cache / "synth60" / "base.mp4")
    fore = _render(cache, "fore", trunk_lean_deg=12.0, strike="forefoot", duration_s=6.0)
    rear_right = _render(cache, "rear-right", "side-right", strike="rearfoot", duration_s=6.0)
    mid = _render(cache, "mid", strike="midfoot", duration_s=6.0)
    out: dict[str, tuple[Path, Path | None]] = {
        "synth60": (s60, s60.with_suffix(".truth.json")),
        "fore": (fore, fore.with_suffix(".truth.json")),
        "rear-right": (rear_right, rear_right.with_suffix(".truth.json")),
        "mid": (mid, mid.with_suffix(".truth.json")),
    }
    for stem in ("treadmill_heel_striker_side", "overground_forefoot_side"):
        video = ROOT / "sample_videos" / f"{stem}.mp4"
        out[stem.split("_")[0] + "-sample"] = (video, video.with_suffix(".truth.json"))
    if REAL.exists():
        out["real"] = (REAL, None)
    return out


def _result(npz: Path, video: Path) -> Any:
    from gaitcheck.pipeline import AnalyzeOptions, build_result
    from gaitcheck.tracks.io import load_tracks
    from gaitcheck.tracks.tracks import LandmarkTracks
    from gaitcheck.video.lines import scene_lines_from_video

    t = load_tracks(npz)
    if "scene_lines" not in t.source:
        t = LandmarkTracks(t.image, t.world, t.time_s, t.frame_index, t.video,
                           t.source | {"scene_lines": scene_lines_from_video(video, t)})
    return build_result(t, AnalyzeOptions())


def _value(report: dict[str, Any], key: str) -> float | None:
    return (report["metrics"].get(key) or {}).get("value")


def _ic_errors(report: dict[str, Any], truth: list[tuple[float, str]], fps: float
               ) -> tuple[float, float, int, int]:
    """Mean and SD of the IC timing error (frames), matched within 3 frames; misses,
    and matches within ±1 frame."""
    found = np.array([c["time_s"] for c in report["events"]["contacts"]])
    err = []
    for t, _ in truth:
        if found.size:
            j = int(np.argmin(np.abs(found - t)))
            if abs(found[j] - t) <= 3.0 / fps + 1e-6:
                err.append((found[j] - t) * fps)
    e = np.asarray(err)
    return (float(np.mean(e)) if e.size else float("nan"),
            float(np.std(e, ddof=1)) if e.size > 1 else float("nan"),
            len(truth) - e.size, int(np.sum(np.abs(e) <= 1.0 + 1e-6)))


def row(video: Path, truth_json: Path | None, npz: Path) -> dict[str, Any]:
    """Errors of one orientation's landmarks against the clip's truth."""
    res = _result(npz, video)
    rep = res.report
    fps = float(rep["video"]["fps"])
    strike = rep["metrics"].get("foot_strike") or {}
    out: dict[str, Any] = {
        "foot": _value(rep, "foot_strike"),
        "class": (strike.get("extra") or strike).get("pattern"),
        "trunk": _value(rep, "trunk_lean_deg"), "head": _value(rep, "head_forward_deg"),
        "knee": _value(rep, "knee_flexion_ic_deg"), "gct": _value(rep, "ground_contact_ms"),
        "per_side_foot": {s: v.get("mean") for s, v in (strike.get("per_side") or {}).items()},
        "ground": rep["analysis"]["frame"].get("ground_angle_deg"),
    }
    if truth_json is not None:
        truth = json.loads(truth_json.read_text())
        m = {k: (v or {}).get("value") for k, v in truth["metrics"].items()}
        contacts = truth["contacts"]
        foot_true = float(np.mean([c["foot_angle_deg"] for c in contacts]))
        gct_true = float(np.mean([c["toe_off_s"] - c["time_s"] for c in contacts])) * 1000
        out["truth_class"] = contacts[0]["strike"]
        out["err"] = {
            "foot": _diff(out["foot"], foot_true), "trunk": _diff(out["trunk"],
                                                                  m["trunk_lean_deg"]),
            "head": _diff(out["head"], m["head_forward_deg"]),
            "knee": _diff(out["knee"], m["knee_flexion_ic_deg"]),
            "gct_frames": _diff(out["gct"], gct_true, 1000.0 / fps)}
        out["ic"] = _ic_errors(rep, [(c["time_s"], c["side"]) for c in contacts], fps)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from posture_accuracy import Source, errors

        labels = json.loads(REAL.with_name("treadmill_side_30fps.truth.json").read_text())
        e = errors(Source("real", npz, video, None))
        out["truth_class"] = "rearfoot"
        out["err"] = {"foot": _diff(out["foot"], 25.0), "trunk": e["trunk"][0],
                      "head": e["head"][0], "knee": None, "gct_frames": None}
        out["ic"] = _ic_errors(rep, [(c["time_s"], c["foot"])
                                     for c in labels["contacts"]["list"]], fps)
    return out


def _diff(a: float | None, b: float | None, unit: float = 1.0) -> float | None:
    return None if a is None or b is None else (a - b) / unit


def _f(v: Any) -> str:
    return "—" if v is None else f"{v:+6.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--clips", default=None)
    ap.add_argument("--pose-only", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    table: dict[str, dict[str, Any]] = {}
    every = clips(args.cache)
    names = args.clips.split(",") if args.clips else list(every)
    for name in names:
        video, truth = every[name]
        for flip in (False, True):
            npz = landmarks(video, args.cache / name / f"{'flipped' if flip else 'asis'}.npz",
                            flip)
            if args.pose_only:
                continue
            r = row(video, truth, npz)
            facing = (json.loads(truth.read_text())["view"].split("-")[1]
                      if truth is not None else "left")
            seen = {"left": "right", "right": "left"}[facing] if flip else facing
            key = f"{name} seen-{seen}"
            table[key] = r
            e = r["err"]
            print(f"{key:32s} foot {_f(r['foot'])} (err {_f(e['foot'])}) "
                  f"class {r['class']}/{r['truth_class']}  trunk {_f(e['trunk'])} "
                  f"head {_f(e['head'])} knee {_f(e['knee'])} gct {_f(e['gct_frames'])} fr  "
                  f"IC bias {r['ic'][0]:+.2f} sd {r['ic'][1]:.2f} miss {r['ic'][2]} "
                  f"±1fr {r['ic'][3]}  feet {r['per_side_foot']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(table, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
