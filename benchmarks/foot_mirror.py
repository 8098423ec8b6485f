"""Why the foot angle at contact changes when the real treadmill clip is mirrored.

Three measurements, all reproducible from the consistency suite's cached landmarks
(``benchmarks/consistency.py --cache DIR``) and the shared clip:

1. **Decomposition** of the mirror change of every matched contact into
   - *landmarks*: the mirrored clip's landmarks read at the clip's own IC time,
   - *timing*: the mirrored clip's own IC time instead,
   - *reference*: the flat-foot reference of each;
   and the IC timing of each clip against the hand labels, by near and far foot.
2. **The model on the same pixels** (``--image-check``): the pose landmarker in IMAGE
   mode on a person crop of the frames read at the near foot's contacts and on the
   horizontal flip of the same crop (un-flipped before measuring). A mirror-equivariant
   model gives the same foot angle twice; the difference is the model's own. Also gives
   the CPU cost per inference, i.e. what mirror-fusing the contact frames would cost.
3. **Rendered runners** (``--render NPZ:VIDEO:TRUTH``, repeatable): MediaPipe's
   heel → foot_index angle minus the true one, by true foot angle, with the foot flat on
   the ground separated from the foot in the air.

Usage::

    python benchmarks/foot_mirror.py --cache /work/coord/cache-cons2 [--image-check]
        [--draw feet.png] [--render fore.out/landmarks.npz:fore.mp4:fore.truth.json]

With canonical facing (:mod:`gaitcheck.pose.canonical`) the pipeline no longer gives
the model the mirrored pixels, so on a cache made since then the decomposition is
near zero (real treadmill mirror: foot angle change −6.57 → +0.07°; landmarks near
−9.9 → −0.4°, far −3.3 → +1.3°, far IC timing −6.7 → −0.2°, far reference +5.6 →
+0.2°); the image check still measures the model itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import consistency

from gaitcheck.landmarks import LM
from gaitcheck.metrics import foot
from gaitcheck.metrics import formulas as f

SHARED_CLIP = consistency.SHARED / "treadmill_side_30fps.mp4"


@contextmanager
def captured_frame() -> Iterator[dict[str, Any]]:
    """Capture the side-view frame (:class:`SagittalFrame`) the next analysis builds."""
    import gaitcheck.metrics.sagittal as sagittal

    store: dict[str, Any] = {}
    original = sagittal.sagittal_frame

    def keep(*args: Any, **kwargs: Any) -> Any:
        store["frame"] = original(*args, **kwargs)
        return store["frame"]

    sagittal.sagittal_frame = keep
    try:
        yield store
    finally:
        sagittal.sagittal_frame = original


def frame_of(npz: Path, video: Path) -> tuple[Any, dict[str, Any]]:
    """The side-view frame and report of cached landmarks."""
    with captured_frame() as store:
        report = consistency.analyse(npz, video)
    return store["frame"], report


def reading(fr: Any, side: str, ic: float) -> float:
    """Heel → foot_index angle read as the analysis reads it, before the reference, deg."""
    return foot.foot_angle_at_row(fr.points, side, foot.reading_row(fr.time_s, ic))


def decomposition(cache: Path) -> dict[str, Any]:
    """Mirror change of the matched contacts split into landmarks, timing, reference."""
    folder = cache / "treadmill"
    base, rb = frame_of(folder / "base.landmarks.npz", SHARED_CLIP)
    mirror, rm = frame_of(folder / "mirror.landmarks.npz", folder / "mirror.mp4")
    near = {"base": rb["view"]["near_side"], "mirror": rm["view"]["near_side"]}
    rows = []
    for st in base.stances:
        # The model labels legs by appearance: the same leg may carry the other label.
        match = [m for m in mirror.stances if abs(m.ic - st.ic) < 3]
        if not match:
            continue
        m = match[0]
        own = reading(base, st.side, st.ic)
        rows.append({"foot": "near" if st.side == near["base"] else "far",
                     "ic_shift_frames": m.ic - st.ic, "base": own,
                     "landmarks": reading(mirror, m.side, st.ic) - own,
                     "timing": reading(mirror, m.side, m.ic) - reading(mirror, m.side, st.ic),
                     "reference": -(mirror.flat_foot_deg[m.side] - base.flat_foot_deg[st.side])})
    out: dict[str, Any] = {"n": len(rows), "flat_foot_deg": {"base": base.flat_foot_deg,
                                                            "mirror": mirror.flat_foot_deg},
                           "value_change": rm["metrics"]["foot_strike"]["value"]
                           - rb["metrics"]["foot_strike"]["value"]}
    for key in ("landmarks", "timing", "reference"):
        out[key] = {g: float(np.mean([r[key] for r in rows if g in ("all", r["foot"])]))
                    for g in ("all", "near", "far")}
    out["ic_shift_frames"] = {g: float(np.mean([r["ic_shift_frames"] for r in rows
                                                if r["foot"] == g])) for g in ("near", "far")}
    out["ic_minus_label_frames"] = _against_labels(base, mirror, near)
    return out


def _against_labels(base: Any, mirror: Any, near: dict[str, str]) -> dict[str, Any]:
    truth = json.loads(SHARED_CLIP.with_suffix(".truth.json").read_text())
    labels = truth["contacts"]["list"]
    other = {"left": "right", "right": "left"}
    out = {}
    for name, fr in (("base", base), ("mirror", mirror)):
        for which in ("near", "far"):
            side = near[name] if which == "near" else other[near[name]]
            err = [s.ic - lab["frame"] for lab in labels if lab["foot"] == which
                   for s in fr.stances if s.side == side and abs(s.ic - lab["frame"]) < 2.5]
            out[f"{name} {which}"] = round(float(np.mean(err)), 2)
    return out


def image_check(cache: Path, n_contacts: int = 8, draw: Path | None = None) -> dict[str, Any]:
    """IMAGE-mode landmarker on a person crop and on its flip, near foot, contact frames.

    With ``draw``, writes a PNG of the near foot in each frame: heel (circle) →
    foot_index (cross) of the crop in red, of its mirror image (un-flipped) in cyan.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import (
        PoseLandmarker,
        PoseLandmarkerOptions,
        RunningMode,
    )

    from gaitcheck.pose.models import resolve_model
    from gaitcheck.video._cv import cv2

    fr, report = frame_of(cache / "treadmill" / "base.landmarks.npz", SHARED_CLIP)
    near = report["view"]["near_side"]
    tracks = consistency_tracks(cache)
    frames = sorted({int(np.floor(foot.reading_row(fr.time_s, s.ic)))
                     for s in fr.stances if s.side == near})[:n_contacts]
    t0 = time.process_time()
    model = resolve_model(None)
    landmarker = PoseLandmarker.create_from_options(PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=model.path.read_bytes()),
        running_mode=RunningMode.IMAGE))
    load_cpu = time.process_time() - t0
    cap = cv2.VideoCapture(str(SHARED_CLIP))
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    own, flipped, cpu, tiles = [], [], 0.0, []
    for index in frames:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = cap.read()
        if not ok:
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        x0, y0, x1, y1 = person_box(tracks.image[index, :, :2] * (w, h), w, h)
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        c0 = time.process_time()
        a = detect(landmarker, mp, crop)
        b = detect(landmarker, mp, np.ascontiguousarray(crop[:, ::-1]))
        cpu += time.process_time() - c0
        if a is None or b is None:
            continue
        b[:, 0] = 1.0 - b[:, 0]  # un-flip; the flipped runner's legs may swap labels
        side_b = min(("left", "right"), key=lambda s: float(np.linalg.norm(
            b[LM[f"{s}_heel"]] - a[LM[f"{near}_heel"]])))
        scale = np.array([x1 - x0, y1 - y0], dtype=np.float64)
        own.append(image_foot_angle(a * scale, near, report["view"]["facing"]))
        flipped.append(image_foot_angle(b * scale, side_b, report["view"]["facing"]))
        if draw is not None:
            tiles.append(foot_tile(bgr, [(a * scale + (x0, y0), near, (0, 0, 255)),
                                         (b * scale + (x0, y0), side_b, (255, 255, 0))],
                                   f"frame {index}"))
    cap.release()
    landmarker.close()
    if draw is not None and tiles:
        rows = [np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles) - len(tiles) % 4, 4)]
        cv2.imwrite(str(draw), np.vstack(rows or [np.hstack(tiles)]))
    diff = np.array(own) - np.array(flipped)
    per = 1000 * cpu / max(2 * len(frames), 1)
    n_ic = len(fr.stances)
    return {"frames": frames, "own_deg": np.round(own, 1).tolist(),
            "flipped_deg": np.round(flipped, 1).tolist(),
            "own_minus_flipped_deg": {"mean": float(diff.mean()), "min": float(diff.min()),
                                      "max": float(diff.max())},
            "fused_mean_deg": float(np.mean((np.array(own) + np.array(flipped)) / 2)),
            "cpu_ms_per_inference": per, "landmarker_load_cpu_s": load_cpu,
            # Two rows per contact (the reading interpolates), frame and flip, both feet.
            "fusion_cpu_s_per_clip": load_cpu + 4 * n_ic * per / 1000}


def foot_tile(bgr: np.ndarray, feet: list[tuple[np.ndarray, str, tuple[int, int, int]]],
              label: str, size: int = 110, zoom: int = 2) -> np.ndarray:
    """The region around the first foot's ankle, zoomed, with each heel → foot_index."""
    from gaitcheck.video._cv import cv2

    ankle = feet[0][0][LM[f"{feet[0][1]}_ankle"]]
    x0, y0 = int(max(ankle[0] - size, 0)), int(max(ankle[1] - 0.7 * size, 0))
    out = np.zeros((int(1.6 * size) * zoom, 2 * size * zoom, 3), np.uint8)
    region = bgr[y0:y0 + int(1.6 * size), x0:x0 + 2 * size]
    big = cv2.resize(region, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    out[:big.shape[0], :big.shape[1]] = big
    for px, side, colour in feet:
        heel, toe = (tuple(int(v) for v in (px[LM[f"{side}_{p}"]] - (x0, y0)) * zoom)
                     for p in ("heel", "foot_index"))
        cv2.circle(out, heel, 6, colour, 2)
        cv2.drawMarker(out, toe, colour, cv2.MARKER_TILTED_CROSS, 14, 2)
        cv2.line(out, heel, toe, colour, 2)
    cv2.putText(out, label, (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    return out


def consistency_tracks(cache: Path) -> Any:
    from gaitcheck.tracks.io import load_tracks

    return load_tracks(cache / "treadmill" / "base.landmarks.npz")


def person_box(px: np.ndarray, w: int, h: int) -> tuple[int, int, int, int]:
    """Square box around the visible landmarks with 15 % of their height spare, pixels."""
    ok = np.isfinite(px).all(axis=1)
    lo, hi = px[ok].min(axis=0), px[ok].max(axis=0)
    centre, half = (lo + hi) / 2, float(max(hi - lo)) / 2 + 0.15 * float(hi[1] - lo[1])
    return (int(max(centre[0] - half, 0)), int(max(centre[1] - half, 0)),
            int(min(centre[0] + half, w)), int(min(centre[1] + half, h)))


def detect(landmarker: Any, mp: Any, rgb: np.ndarray) -> np.ndarray | None:
    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    if not result.pose_landmarks:
        return None
    return np.array([[p.x, p.y] for p in result.pose_landmarks[0]], dtype=np.float64)


def image_foot_angle(px: np.ndarray, side: str, facing: str) -> float:
    """Heel → foot_index angle from image pixels, toes-up positive."""
    heel, toe = px[LM[f"{side}_heel"]], px[LM[f"{side}_foot_index"]]
    forward = (heel[0] - toe[0]) if facing == "left" else (toe[0] - heel[0])
    return float(np.degrees(np.arctan2(heel[1] - toe[1], forward)))


def render_bias(npz: Path, video: Path, truth_json: Path) -> dict[str, Any]:
    """MediaPipe minus true heel → foot_index angle on a rendered runner, by state."""
    fr, report = frame_of(npz, video)
    truth = json.loads(truth_json.read_text())
    true_px = np.array(truth["landmarks_px"], dtype=np.float64)
    n = min(len(true_px), fr.n_frames)
    facing = report["view"]["facing"]
    out: dict[str, Any] = {"value": report["metrics"]["foot_strike"]["value"],
                           "pattern": report["metrics"]["foot_strike"].get("pattern"),
                           "flat_foot_reference_deg": fr.flat_foot_deg}
    groups: dict[str, list[float]] = {"flat on the ground": [], "toes down, in the air": [],
                                      "toes up": []}
    for side in ("left", "right"):
        mp_deg = f.foot_angle_deg(fr.points[:n, LM[f"{side}_heel"]],
                                  fr.points[:n, LM[f"{side}_foot_index"]])
        toe_y = true_px[:n, LM[f"{side}_foot_index"], 1]  # image y, down
        for t in range(n):
            true = image_foot_angle(true_px[t], side, facing)
            grounded = float(np.nanmax(toe_y) - toe_y[t]) < 2.0  # toe within 2 px of floor
            if abs(true) < 0.5 and grounded:
                groups["flat on the ground"].append(mp_deg[t] - true)
            elif -15 <= true <= -5 and not grounded:
                groups["toes down, in the air"].append(mp_deg[t] - true)
            elif 5 <= true <= 30:
                groups["toes up"].append(mp_deg[t] - true)
    out["mediapipe_minus_true_deg"] = {k: (round(float(np.median(v)), 1), len(v))
                                       for k, v in groups.items() if v}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--image-check", action="store_true")
    ap.add_argument("--draw", type=Path, help="PNG of the image check's near feet")
    ap.add_argument("--render", action="append", default=[],
                    help="NPZ:VIDEO:TRUTH of a rendered runner (repeatable)")
    args = ap.parse_args()
    out: dict[str, Any] = {"decomposition": decomposition(args.cache)}
    if args.image_check:
        out["image_check"] = image_check(args.cache, draw=args.draw)
    for spec in args.render:
        npz, video, truth = (Path(p) for p in spec.split(":"))
        out[f"render {video.name}"] = render_bias(npz, video, truth)
    print(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
