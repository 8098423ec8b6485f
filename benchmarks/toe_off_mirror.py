"""Per-stance toe-off and contact of a clip's copies in a consistency cache (issue 14).

For the shared walking clip (or another clip of ``benchmarks/consistency.py``'s cache)
and each of its copies (``base``, ``mirror``, ``crf35``, ...), prints every stance the
detector found: its IC and TO (video frames) with their direct estimates, the toe's
backward-peak anchor and the lag ``direct − anchor`` the foot's anchored TO is built
from, and the nearest hand label (``benchmarks/data/*.toe_off.json``). Feet are named
near / far, since a mirror relabels left and right. ``--sheet`` draws a foot's heel,
foot_index and shoe tip (foot_index + reach, red) and the stance's ground band on the
frames around one toe-off, to look at the pixels.

Usage::

    python benchmarks/toe_off_mirror.py --cache /work/coord/cache-base \
        [--clip walking] [--copies base,mirror,crf35]
        [--sheet far:118-126 --out sheet.png]

Measured 2026-12-02 on ``/work/coord/cache-base`` (walking; labels: far 123, 160, 196,
near 104, 140, 176). Before (square-root extrapolation through two samples, lower
median of an even count of lags): the far foot's direct toe-offs were 123 / none / 193
on the clip and 122 / 160 on its mirror; its lags (direct − anchor) +2.69 / −0.53
against +1.41 / +3.03, and the lower median of two took −0.53 against +1.41, so every
anchored far toe-off moved ~2 frames between the copies (the far foot's contact time
2.41 frames, the row 0.89). Looking at the pixels: in push-off her sandalled foot
stands almost vertical, toes down in 2–5 cm grass, and slides forward 8–18 px with
2–4 px of lift; the shoe-tip point (foot_index + 0.15 of heel → foot_index) then
dips 0.5–1.3 ground bands *below* the ground and creeps up through the band over 2–3
frames, so which sample lies just inside the band decides the estimate; at frame 160
MediaPipe drops the far foot 25 px for one frame. After (continuous crossing,
midpoint median): far toe-offs 122.19 / 158.18 / 194.14 on the clip and 122.02 / 159.07
on its mirror; row 0.61 frames, far-foot contact 1.12, far toe-offs −1.50 frames against
the labels (−2.74 before). Left: the mirror's pose pass loses her for frames 179–185, so
its last far stance has no counterpart, and the landmarks themselves differ by up to
20 px at push-off (near foot, frame 104: 5.6 bands up on the clip, on the ground on the
mirror).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import consistency

import gaitcheck.events.detect as detect
from gaitcheck.events.stances import Stance
from gaitcheck.tracks.io import load_tracks

LABELS = Path(__file__).resolve().parent / "data"


def copy_paths(cache: Path, clip: str, copy: str) -> tuple[Path, Path]:
    """Landmarks and video of one copy of a clip in the consistency cache."""
    src, _ = consistency.CLIPS[clip](cache)
    video = src if copy == "base" else cache / clip / f"{copy}.mp4"
    return cache / clip / f"{copy}.landmarks.npz", video


def stances_of(npz: Path, video: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every stance of the analysis' last event pass, with its direct estimates.

    Rows: ``foot`` (near / far), ``ic``, ``to`` (final), ``ic_direct``, ``to_direct``,
    ``trough`` (the toe's backward peak), video frames (NaN where missing).
    """
    calls: list[tuple[list[Stance], list[Stance]]] = []
    product = detect.anchor_calibrated

    def recorded(stances: list[Stance], *args: Any, **kwargs: Any) -> list[Stance]:
        out = product(stances, *args, **kwargs)
        calls.append((stances, out))
        return out

    detect.anchor_calibrated = recorded
    try:
        report = consistency.analyse(npz, video)
    finally:
        detect.anchor_calibrated = product
    frames = np.asarray(load_tracks(npz).frame_index, dtype=np.float64)
    rows_of = np.arange(len(frames))

    def frame(row: float) -> float:
        return float(np.interp(row, rows_of, frames)) if np.isfinite(row) else np.nan

    near = report["view"].get("near_side")
    rows = []
    for stances, final in calls[-1:]:
        kept = {(s.side, s.ic_direct): s for s in final}
        for s in stances:
            f = kept.get((s.side, s.ic_direct))
            rows.append({"foot": "near" if s.side == near else "far",
                         "ic": frame(f.ic) if f else np.nan,
                         "to": frame(f.to) if f else np.nan,
                         "ic_direct": frame(s.ic_direct), "to_direct": frame(s.to_direct),
                         "trough": frame(s.trough)})
    return rows, report


def label_of(marks: dict[str, Any], foot: str, to: float) -> int | None:
    """The labelled toe-off of that foot within 6 frames of ``to``, or None."""
    near = "left" if marks["facing"] == "left" else "right"
    side = near if foot == "near" else ("right" if near == "left" else "left")
    hits = [m["frame"] for m in marks["toe_offs"]
            if m["foot"] == side and np.isfinite(to) and abs(m["frame"] - to) < 6]
    return hits[0] if hits else None


def table(cache: Path, clip: str, copies: list[str], labels: Path | None) -> None:
    """Print the per-stance table of every copy."""
    marks = json.loads(labels.read_text()) if labels and labels.exists() else None
    for copy in copies:
        rows, report = stances_of(*copy_paths(cache, clip, copy))
        ct = (report["metrics"].get("ground_contact_ms") or {}).get("value")
        print(f"== {copy}: contact time {ct} ms, near {report['view'].get('near_side')}")
        print("  foot    IC   (direct)     TO   (direct  trough   lag)  label  TO−label")
        for r in sorted(rows, key=lambda r: np.nan_to_num(r["ic_direct"], nan=r["trough"])):
            lab = label_of(marks, r["foot"], r["to"]) if marks else None
            err = f"{r['to'] - lab:+6.2f}" if lab is not None else "     -"
            print(f"  {r['foot']:4s} {r['ic']:7.2f} ({r['ic_direct']:7.2f}) {r['to']:7.2f} "
                  f"({r['to_direct']:7.2f} {r['trough']:7.2f} "
                  f"{r['to_direct'] - r['trough']:+5.2f})  {lab if lab else '-':>5}  {err}")


def sheet(npz: Path, video: Path, foot: str, frames: tuple[int, int], out: Path,
          reach: float = 0.15) -> None:
    """Crops around one foot (fixed at its place in the first frame), 4× upscaled: heel
    (blue), foot_index (green), shoe tip (red dot), the other foot's points (yellow)."""
    import cv2

    from gaitcheck.landmarks import LM

    tracks = load_tracks(npz)
    report = consistency.analyse(npz, video)
    near = report["view"].get("near_side") or "left"
    side = near if foot == "near" else ("right" if near == "left" else "left")
    other = "left" if side == "right" else "right"
    px = tracks.xy_px()
    index = {int(f): k for k, f in enumerate(tracks.frame_index)}
    first = px[index[frames[0]]]
    cx, cy = np.nanmean([first[LM[f"{side}_heel"]], first[LM[f"{side}_foot_index"]]], axis=0)
    x0, y0, k = max(0, int(cx) - 110), max(0, int(cy) - 60), 4
    cap = cv2.VideoCapture(str(video))
    tiles = []
    for f in range(frames[0], frames[1] + 1):
        cap.set(cv2.CAP_PROP_POS_FRAMES, f)
        ok, img = cap.read()
        if not ok or f not in index:
            continue
        crop = cv2.resize(img[y0:y0 + 120, x0:x0 + 220], None, fx=k, fy=k,
                          interpolation=cv2.INTER_CUBIC)
        for s, colour in ((other, (0, 255, 255)), (side, None)):
            heel, toe = px[index[f], LM[f"{s}_heel"]], px[index[f], LM[f"{s}_foot_index"]]
            if not np.isfinite([*heel, *toe]).all():
                continue
            tip = toe + reach * (toe - heel)
            for p, c, fill in ((heel, (255, 0, 0), 2), (toe, (0, 255, 0), 2),
                               (tip, (0, 0, 255), -1)):
                cv2.circle(crop, (int((p[0] - x0) * k), int((p[1] - y0) * k)), 6,
                           colour or c, fill if colour is None else 2)
        cv2.putText(crop, str(f), (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        tiles.append(crop)
    cols = 3
    blank = np.zeros_like(tiles[0])
    rows = [np.hstack((tiles[i:i + cols] + [blank] * cols)[:cols])
            for i in range(0, len(tiles), cols)]
    cv2.imwrite(str(out), np.vstack(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--clip", default="walking")
    ap.add_argument("--copies", default="base,mirror,crf35")
    ap.add_argument("--labels", type=Path,
                    default=LABELS / "walking_side_distractors.toe_off.json")
    ap.add_argument("--sheet", help="FOOT:FIRST-LAST, e.g. far:118-126 (first copy)")
    ap.add_argument("--out", type=Path, default=Path("toe_off_sheet.png"))
    args = ap.parse_args()
    copies = args.copies.split(",")
    if args.sheet:
        foot, span = args.sheet.split(":")
        a, b = (int(x) for x in span.split("-"))
        sheet(*copy_paths(args.cache, args.clip, copies[0]), foot, (a, b), args.out)
        return
    table(args.cache, args.clip, copies, args.labels)


if __name__ == "__main__":
    main()
