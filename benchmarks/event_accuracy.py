"""Gait-event accuracy against truth, scored one-to-one with ``gaitcheck.evaluation``.

Synthetic tracks (no pose model: seconds): running and walking, both side views, every
strike pattern, exact and with realistic pose artefacts; and, when given, a labelled
real clip's landmarks (``--landmarks`` + ``--labels``, e.g. the shared treadmill clip's
``truth.json``). Prints true positives, false positives, misses, precision / recall / F1
and the timing bias, SD and 95 % limits of agreement in frames; writes JSON on request.

Usage::

    python benchmarks/event_accuracy.py [--json OUT.json]
        [--landmarks run/landmarks.npz --labels clip.truth.json [--toe-offs labels.json]]
        [--landmarks run/landmarks.npz --toe-offs labels.json [--toe-reach K]]

The second form scores a clip that has toe-off labels but no ``truth.json`` (the shared
walking clip: ``benchmarks/data/walking_side_distractors.toe_off.json``, which carries
its own ``facing``); ``--toe-reach`` overrides the reach the tracks' source declares
(``gaitcheck.landmarks.toe_reach_for``; 0 reads toe-off on foot_index itself).

A toe-off label is the first frame the shoe's tip is seen off the belt, so the instant
itself lies in the frame before it: an exact continuous estimate scores a bias of about
−0.5 frame against these labels, and ±1 frame admits estimates up to 1.5 frames early.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gaitcheck.evaluation import EventMatch, match_events
from gaitcheck.events import detect_gait_events
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.to_tracks import motion_to_tracks
from gaitcheck.tracks import load_tracks


def _row(name: str, kind: str, m: EventMatch, fps: float) -> dict[str, Any]:
    t = m.timing()
    return {"case": name, "kind": kind, **m.to_dict(),
            "bias_frames": t.bias * fps, "sd_frames": t.sd * fps,
            "loa_frames": [t.loa_lower * fps, t.loa_upper * fps]}


def synthetic(seeds: int) -> list[dict[str, Any]]:
    """Rows for every synthetic case."""
    rows = []
    for activity in ("run", "walk"):
        for view in ("side-left", "side-right"):
            for strike in ("rearfoot", "midfoot", "forefoot"):
                for artefacts, seed in [(None, 0)] + [(Artefacts.realistic(), s)
                                                      for s in range(seeds)]:
                    gait = GaitParams(activity=activity, strike=strike, duration_s=10.0)
                    motion = generate_motion(gait)
                    camera = camera_for_view(view, subject_height_m=gait.body_height_m,
                                             fps=gait.fps, fill=0.6)
                    tracks = motion_to_tracks(motion, camera, artefacts, seed=seed)
                    events = detect_gait_events(tracks, view.split("-")[1])
                    name = (f"{activity} {view} {strike} "
                            f"{'exact' if artefacts is None else f'artefacts#{seed}'}")
                    for kind, found, attr in (("IC", events.contacts, "ic_s"),
                                              ("TO", events.toe_offs, "to_s")):
                        truth = [{"time_s": getattr(c, attr), "side": c.side}
                                 for c in motion.contacts]
                        rows.append(_row(name, kind, match_events(found, truth, 0.1),
                                         gait.fps))
    return rows


def labelled(landmarks: Path, labels: Path) -> list[dict[str, Any]]:
    """Rows for a real clip with hand-labelled contacts (near/far feet)."""
    tracks = load_tracks(landmarks)
    truth = json.loads(labels.read_text())
    near = "left" if truth["facing"] == "left" else "right"
    side = {"near": near, "far": "right" if near == "left" else "left"}
    ref = [{"time_s": c["time_s"], "side": side[c["foot"]]} for c in truth["contacts"]["list"]]
    events = detect_gait_events(tracks, truth["facing"])
    fps = float(truth.get("fps") or tracks.fps)
    return [_row(f"{labels.name} ±{tol} frame", "IC",
                 match_events(events.contacts, ref, tol / fps + 1e-6), fps) for tol in (1, 3)]


def labelled_toe_offs(landmarks: Path, labels: Path | None, toe_offs: Path,
                      events: Any = None, toe_reach: float | None = None
                      ) -> list[dict[str, Any]]:
    """Rows for a real clip's hand-labelled toe-offs (``toe_off.json``): all labels, the
    near and far foot, and the labels not flagged uncertain.

    Detected and labelled toe-offs are paired one-to-one per foot within 5 frames (half
    a stride of one foot is ~10 frames at 30 fps, so no pair is ambiguous, and the bias
    and SD see estimates that are 2-4 frames off); ``within_1`` counts the pairs within
    ±1 frame (inclusive) of the label, ``within_1_mid`` within ±1 frame of the label
    − 0.5 frame (the middle of the interval the instant lies in). Bias is detected −
    label, frames (+ late).
    ``labels`` : the clip's ``truth.json``, or None when the toe-off file carries its
    own ``facing`` and ``fps`` (the walking clip has no truth file).
    ``events`` : already detected events of ``landmarks`` (default: detect them).
    ``toe_reach`` : heel → foot_index lengths to read toe-off beyond foot_index, in
    place of the reach the tracks' source declares (None: keep the declared one)."""
    truth = json.loads(labels.read_text()) if labels else {}
    marks = json.loads(toe_offs.read_text())
    fps = float(marks.get("fps") or truth.get("fps"))
    if events is None:
        tracks = load_tracks(landmarks)
        if toe_reach is not None:
            tracks.source["toe_reach"] = toe_reach
        events = detect_gait_events(tracks, truth.get("facing") or marks["facing"])
    rows = []
    for name, keep in (("all", lambda m: True), ("near", lambda m: m["side"] == "near"),
                       ("far", lambda m: m["side"] == "far"),
                       ("certain", lambda m: not m["uncertain"])):
        ref = [{"time_s": m["frame"] / fps, "side": m["foot"]}
               for m in marks["toe_offs"] if keep(m)]
        feet = {r["side"] for r in ref}
        found = [e for e in events.toe_offs if e.side in feet]
        match = match_events(found, ref, 5 / fps + 1e-6)
        # in the "certain" row, detections of the uncertain labels count as false positives
        row = _row(f"{toe_offs.name} {name} (±5 f)", "TO", match, fps)
        row["n_labels"] = len(ref)
        err = match.timing_errors_s * fps
        row["within_1"] = int((abs(err) <= 1 + 1e-6).sum())
        # against the middle of the frame before the label, where the instant lies
        row["within_1_mid"] = int((abs(err + 0.5) <= 1 + 1e-6).sum())
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="artefact seeds per case")
    parser.add_argument("--landmarks", type=Path, help="landmarks.npz of a labelled clip")
    parser.add_argument("--labels", type=Path, help="its labels (truth.json)")
    parser.add_argument("--toe-offs", type=Path, help="its toe-off labels (toe_off.json)")
    parser.add_argument("--toe-reach", type=float, default=None,
                        help="toe reach (heel -> foot_index lengths) in place of the "
                             "tracks' declared one, for the toe-off rows")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = synthetic(args.seeds)
    if args.landmarks and args.labels:
        rows += labelled(args.landmarks, args.labels)
        if args.toe_offs:
            rows += labelled_toe_offs(args.landmarks, args.labels, args.toe_offs,
                                      toe_reach=args.toe_reach)
    elif args.landmarks and args.toe_offs:  # toe-off labels only (no truth.json)
        rows += labelled_toe_offs(args.landmarks, None, args.toe_offs,
                                  toe_reach=args.toe_reach)
    print(f"{'case':42s} kind  TP  FP  miss  prec  rec   F1   bias  SD  (frames)")
    for r in rows:
        print(f"{r['case']:42s} {r['kind']:4s} {r['true_positives']:3d} "
              f"{r['false_positives']:3d} {r['misses']:4d}  {r['precision'] or 0:.2f} "
              f"{r['recall'] or 0:.2f} {r['f1'] or 0:.2f} {r['bias_frames']:+5.2f} "
              f"{r['sd_frames']:4.2f}")
    for r in rows:
        if "within_1" in r:
            print(f"{r['case']:42s} within ±1 frame of the label {r['within_1']}/{r['n_labels']}"
                  f", of the label − 0.5 frame {r['within_1_mid']}/{r['n_labels']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
