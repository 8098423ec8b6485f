"""Contact time of the rendered runner under camera roll, traced per foot (issue 14).

On the consistency cache's rendered 60 fps runner (``synth60``, exact truth in
``base.truth.json``; the transformed copies keep its timing) prints, for each copy:

1. **events against truth**, per foot (near / far) and event: the detector's direct and
   final IC and toe-off minus the render's contact and toe-off (frames; mean, SD, n);
2. **landmarks at push-off**, in the untransformed picture (a rolled copy's landmarks
   rotated back about the frame centre): mean heel and foot_index height, and the shoe
   tip's (foot_index + ``reach`` of heel → foot_index, the point toe-off is read on)
   above that foot's flat-stance level (px, up positive) from 4 frames before the true
   toe-off to it, and ``ρ``: the foot_index's rise over the heel's over the last 4
   frames (a landmark on the shoe's tip pivot stays down, ρ = 0; one ``u`` heel →
   foot_index lengths behind it rises by ρ = u / (1 + u)).

``--sheet far:74-79`` draws one foot around a toe-off in every copy, rotated back.

Usage::

    python benchmarks/roll_contacts.py --cache /work/coord/cache-base \
        [--copies base,roll+4,roll-4,dim] [--sheet far:74-79 --out sheet.png]

Measured 2026-12-02 on ``/work/coord/cache-base`` (TO − truth, frames, mean over 8
stances; contact time, ms; base 280.54 ms against the render's 250):

============  ==============  ==============  =================================
copy          near TO         far TO          contact (Δ vs base, frames)
============  ==============  ==============  =================================
base          +0.93           +1.28           280.54
roll+4        −0.34 → +0.61   −5.33 → +0.32   211.38 → 266.36 (−4.15 → −0.85)
roll−4        −0.13 → −0.13   −0.62 → −0.51   260.19 → 261.09 (−1.22 → −1.17)
dim           −0.79 → −0.79   −0.54 → −0.10   242.61 → 246.26 (−2.28 → −2.06)
============  ==============  ==============  =================================

(before → after :func:`gaitcheck.events.cues.rest_height`). ICs do not move between the
copies (within 0.6 frame of truth). The landmarks do: rotated back, the rolled copies'
far heel is where the base's is (±2 px), but from heel-off on their foot_index rises
with it, ρ 0.22 (+4°) and 0.17 (−4°) against 0.03 on the base, up to 12 px by the true
toe-off, while the rendered shoe tip is still on the belt (``--sheet far:74-79``: the
green point rides up the toe cap). MediaPipe puts foot_index higher on the shoe when
the picture is rotated; the detector is not involved up to there. Our part: with the
fixed reach (0.15) the +4° far tip's point rose ~3.5 ground bands in the 3 frames after
heel-off, rested 4 frames and then left with the foot; the band crossing read the start
of the slide. Read from the rest, it is +0.32 frames from truth. What is left (roll −4°,
dim) is the base being late, not the copies early: the base's foot_index hugs the shoe
tip (ρ 0.03), so the reach puts the tip's point 2–5 px *below* the belt in push-off and
the band crossing waits for it to come back up (+0.93 / +1.28 frames), while the
copies' tips stay level (−0.13 … −0.51). Lifting such a dip to the band (the mirror
image of the rest) gave far +0.96 but lost a direct toe-off of the real walking clip
(its toes dip and creep up through grass), so it was not adopted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import toe_off_mirror

from gaitcheck.landmarks import LM
from gaitcheck.tracks.io import load_tracks

#: Camera roll of each copy (degrees, ffmpeg ``rotate``: clockwise on screen).
ROLL = {"roll+4": 4.0, "roll-4": -4.0}


def truth_events(cache: Path) -> tuple[dict[str, list[tuple[float, float]]], str]:
    """True (IC, TO) frames per image side, and the near side, of the rendered clip."""
    doc = json.loads((cache / "synth60" / "base.truth.json").read_text())
    fps = float(doc["camera"]["fps"])
    out: dict[str, list[tuple[float, float]]] = {"left": [], "right": []}
    for c in doc["contacts"]:
        out[c["side"]].append((c["time_s"] * fps, c["toe_off_s"] * fps))
    near = "left" if doc["view"] == "side-left" else "right"
    return out, near


def event_table(cache: Path, copies: list[str]) -> None:
    """Print per-foot, per-event errors against truth (frames)."""
    truth, _ = truth_events(cache)
    print("events − truth, frames: mean ± SD (n)")
    print(f"  {'copy':8s} {'foot':4s} {'IC direct':>17s} {'IC':>17s} "
          f"{'TO direct':>17s} {'TO':>17s}  contact ms")
    for copy in copies:
        rows, report = toe_off_mirror.stances_of(*toe_off_mirror.copy_paths(
            cache, "synth60", copy))
        near = report["view"].get("near_side")
        ct = (report["metrics"].get("ground_contact_ms") or {}).get("value")
        for foot in ("near", "far"):
            side = near if foot == "near" else ("right" if near == "left" else "left")
            err: dict[str, list[float]] = {k: [] for k in ("ic_direct", "ic", "to_direct",
                                                           "to")}
            for r in rows:
                if r["foot"] != foot or not np.isfinite(r["ic_direct"] if np.isfinite(
                        r["ic_direct"]) else r["ic"]):
                    continue
                at = r["ic"] if np.isfinite(r["ic"]) else r["ic_direct"]
                ic_t, to_t = min(truth[side], key=lambda e: abs(e[0] - at))
                if abs(ic_t - at) > 4:
                    continue
                for k in err:
                    if np.isfinite(r[k]):
                        err[k].append(r[k] - (ic_t if k.startswith("ic") else to_t))
            cells = [f"{np.mean(v):+6.2f} ± {np.std(v):4.2f} ({len(v):2d})" if v else
                     f"{'-':>17s}" for v in err.values()]
            print(f"  {copy:8s} {foot:4s} {' '.join(cells)}  {ct:7.2f}")


def back_rotated(cache: Path, copy: str) -> tuple[np.ndarray, float]:
    """Pixel landmarks of a copy in the untransformed picture, by video frame, and the
    tracks' toe reach."""
    tracks = load_tracks(cache / "synth60" / f"{copy}.landmarks.npz")
    px = tracks.xy_px()
    w, h = tracks.video.width, tracks.video.height
    out = np.full((int(np.max(tracks.frame_index)) + 1, 33, 2), np.nan)
    out[np.asarray(tracks.frame_index)] = px
    a = np.deg2rad(-ROLL.get(copy, 0.0))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    centre = np.array([w / 2.0, h / 2.0])
    reach = float(tracks.source.get("toe_reach", 0.15))
    return (out - centre) @ rot.T + centre, reach


def landmark_table(cache: Path, copies: list[str], before: int = 8) -> None:
    """Print the push-off heights of each foot's landmarks (see the module doc)."""
    truth, near = truth_events(cache)
    print(f"\npush-off, px above the foot's flat-stance level (frames before true TO "
          f"{before}..0); ρ = foot_index rise / heel rise over them")
    for copy in copies:
        px, reach = back_rotated(cache, copy)
        for foot in ("near", "far"):
            side = near if foot == "near" else ("right" if near == "left" else "left")
            heel, toe = px[:, LM[f"{side}_heel"], 1], px[:, LM[f"{side}_foot_index"], 1]
            tip = toe + reach * (toe - heel)
            acc: dict[str, list[np.ndarray]] = {"heel": [], "toe": [], "tip": []}
            rho = []
            for ic, to in truth[side]:
                k = int(np.ceil(to))
                if k + 1 >= len(px) or ic < 2:
                    continue
                flat = slice(int(ic + 0.4 * (to - ic)), int(ic + 0.6 * (to - ic)) + 1)
                for name, y in (("heel", heel), ("toe", toe), ("tip", tip)):
                    acc[name].append(np.nanmedian(y[flat]) - y[k - before:k + 1])
                d_heel = heel[k - before] - heel[k]
                rho.append((toe[k - before] - toe[k]) / d_heel if d_heel > 0 else np.nan)
            for name, v in acc.items():
                m = np.nanmean(np.array(v), axis=0)
                print(f"  {copy:8s} {foot:4s} {name:4s} "
                      + " ".join(f"{x:+6.1f}" for x in m)
                      + (f"   ρ {np.nanmedian(rho):.2f}" if name == "toe" else ""))


def sheet(cache: Path, copies: list[str], foot: str, frames: tuple[int, int],
          out: Path) -> None:
    """Draw one foot around a toe-off, one row per copy, in the untransformed picture (a
    rolled copy's frames and landmarks rotated back), 5× upscaled, each frame centred on
    the exact foot_index: heel (blue),
    foot_index (green), shoe tip (red), the render's exact heel and foot_index (white
    crosses), the other foot's points (yellow rings)."""
    import cv2

    _, near = truth_events(cache)
    side = near if foot == "near" else ("right" if near == "left" else "left")
    doc = json.loads((cache / "synth60" / "base.truth.json").read_text())
    exact = np.asarray(doc["landmarks_px"], dtype=np.float64)
    # Each frame's crop is centred on the exact foot_index, the same in every copy.
    k = 5
    rows = []
    for copy in copies:
        px, reach = back_rotated(cache, copy)
        cap = cv2.VideoCapture(str(cache / "synth60" / f"{copy}.mp4"))
        tiles = []
        for f in range(frames[0], frames[1] + 1):
            cap.set(cv2.CAP_PROP_POS_FRAMES, f)
            ok, img = cap.read()
            if not ok:
                continue
            h, w = img.shape[:2]
            x0, y0 = int(exact[f, LM[f"{side}_foot_index"], 0]) - 60, int(
                exact[f, LM[f"{side}_foot_index"], 1]) - 50
            img = cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), ROLL.get(
                copy, 0.0), 1.0), (w, h))  # cv2: positive = counter-clockwise
            tile = cv2.resize(img[y0:y0 + 70, x0:x0 + 100], None, fx=k, fy=k,
                              interpolation=cv2.INTER_CUBIC)

            def at(p: np.ndarray, x0: int = x0, y0: int = y0) -> tuple[int, int]:
                return int((p[0] - x0) * k), int((p[1] - y0) * k)

            for s in ("left", "right"):
                heel, toe = px[f, LM[f"{s}_heel"]], px[f, LM[f"{s}_foot_index"]]
                if s != side:
                    for p in (heel, toe):
                        cv2.circle(tile, at(p), 6, (0, 255, 255), 2)
                    continue
                for p, c in ((heel, (255, 0, 0)), (toe, (0, 255, 0)),
                             (toe + reach * (toe - heel), (0, 0, 255))):
                    cv2.circle(tile, at(p), 6, c, -1)
                for name in ("heel", "foot_index"):
                    cv2.drawMarker(tile, at(exact[f, LM[f"{s}_{name}"]]), (255, 255, 255),
                                   cv2.MARKER_CROSS, 16, 2)
            cv2.putText(tile, f"{copy} {f}", (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9,
                        (255, 255, 255), 2)
            tiles.append(tile)
        rows.append(np.hstack(tiles))
    cv2.imwrite(str(out), np.vstack(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--copies", default="base,roll+4,roll-4,dim")
    ap.add_argument("--sheet", help="FOOT:FIRST-LAST, e.g. far:75-80 (all copies)")
    ap.add_argument("--out", type=Path, default=Path("roll_sheet.png"))
    args = ap.parse_args()
    copies = args.copies.split(",")
    if args.sheet:
        foot, span = args.sheet.split(":")
        a, b = (int(x) for x in span.split("-"))
        sheet(args.cache, copies, foot, (a, b), args.out)
        return
    event_table(args.cache, copies)
    landmark_table(args.cache, copies)


if __name__ == "__main__":
    main()
