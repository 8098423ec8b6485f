"""What the consistency suite's "dim" transform leaves of a clip, and the best any tone
curve could do with it.

The transform (``lutyuv=y=val*0.5,eq=contrast=1.4``) maps luma Y to about
``0.7 · Y − 51``: every pixel whose original luma was ≤ 73 (of 255) becomes 0. This
script measures, on the cached clips of ``benchmarks/consistency.py``:

1. **The picture**: the share decoded (OpenCV, RGB) as pure black, the share whose luma
   in the file is exactly 0 (gone for good) and below 16 (sub-black: kept in the file,
   but the decoder's RGB conversion clips it, and the chroma of every black pixel with
   it).
2. **The runner**: along each true body segment (landmarks of the undimmed clip), the
   share of pixels clipped to black, over all frames and at the near foot's initial
   contacts (where knee flexion at IC and overstride are read).
3. With ``--pose``: the upper bound of any per-pixel correction. Pose runs (once,
   cached next to the clip) on

   * ``inverse``: the dimmed file with the exact inverse applied to its luma *before*
     the RGB conversion (sub-black levels and chroma kept; only luma 0 stays flat);
   * ``cliponly``: the original clip with its shadows flattened (``Y = max(Y, 73)``),
     without the second encode;

   and their change against the undimmed clip is printed like a consistency row. A
   metric that fails on these fails for every tone curve.

Usage::

    python benchmarks/dark_clip.py [--cache DIR] [--clips treadmill,synth60] [--pose]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from consistency import (
    CLIPS,
    TARGETS,
    analyse,
    compare,
    ffmpeg,
    landmarks_for,
    summary,
)

#: Extra clips of the upper-bound experiment: name → (input, ffmpeg luma filter).
BOUNDS = {"inverse": ("dim", "lutyuv=y='clip((val+51.2)/0.7,0,255)'"),
          "cliponly": ("base", "lutyuv=y='max(val,73)'")}


def _raw_luma(video: Path, width: int, height: int, n: int) -> np.ndarray:
    """Luma planes of the first ``n`` frames as stored (yuv420p, no range conversion)."""
    out = subprocess.run([ffmpeg(), "-v", "error", "-i", str(video), "-frames:v", str(n),
                          "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         capture_output=True, check=True).stdout
    size = width * height * 3 // 2
    return np.stack([np.frombuffer(out[i * size:i * size + width * height], np.uint8)
                     .reshape(height, width) for i in range(len(out) // size)])


def picture(dim: Path, n: int = 60) -> dict[str, float]:
    """Shares of the picture black after decoding, and at luma 0 / below 16 in the file."""
    import cv2

    cap = cv2.VideoCapture(str(dim))
    black = []
    for _ in range(n):
        ok, bgr = cap.read()
        if not ok:
            break
        black.append(float(np.mean(bgr.max(axis=2) <= 2)))
    h, w = bgr.shape[:2] if black else (0, 0)
    cap.release()
    luma = _raw_luma(dim, w, h, n)
    return {"decoded_black": float(np.mean(black)), "luma_0": float(np.mean(luma == 0)),
            "luma_below_16": float(np.mean(luma < 16))}


def along_body(base_video: Path, dim: Path, npz: Path, report: dict) -> dict[str, tuple]:
    """Share of each true body segment clipped to black: all frames, near-foot ICs."""
    import cv2

    from gaitcheck.landmarks import LM
    from gaitcheck.tracks.io import load_tracks

    tracks = load_tracks(npz)
    near = report["view"]["near_side"] or "left"
    far = "right" if near == "left" else "left"
    ics = {round(c["frame"]) for c in report["events"]["contacts"] if c["side"] == near}
    segments = {"trunk": [(f"{near}_shoulder", f"{near}_hip")],
                "near thigh": [(f"{near}_hip", f"{near}_knee")],
                "near shank": [(f"{near}_knee", f"{near}_ankle")],
                "near foot": [(f"{near}_ankle", f"{near}_heel"),
                              (f"{near}_heel", f"{near}_foot_index")],
                "far thigh": [(f"{far}_hip", f"{far}_knee")],
                "far shank": [(f"{far}_knee", f"{far}_ankle")],
                "far foot": [(f"{far}_ankle", f"{far}_heel"),
                             (f"{far}_heel", f"{far}_foot_index")]}
    rows = {int(f): r for r, f in enumerate(tracks.frame_index)}
    every: dict[str, list[float]] = {k: [] for k in segments}
    at_ic: dict[str, list[float]] = {k: [] for k in segments}
    cap = cv2.VideoCapture(str(dim))
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i in rows:
            h, w = bgr.shape[:2]
            black = bgr.max(axis=2) <= 2
            p = tracks.image[rows[i], :, :2] * (w, h)
            for name, pairs in segments.items():
                mask = np.zeros((h, w), np.uint8)
                for a, b in pairs:
                    pa, pb = p[LM[a]], p[LM[b]]
                    if np.isfinite(pa).all() and np.isfinite(pb).all():
                        cv2.line(mask, tuple(int(v) for v in pa), tuple(int(v) for v in pb),
                                 1, max(3, round(0.012 * h)))
                if mask.any():
                    share = float(black[mask > 0].mean())
                    every[name].append(share)
                    if any(abs(i - j) <= 1 for j in ics):
                        at_ic[name].append(share)
        i += 1
    cap.release()
    return {k: (float(np.mean(every[k])) if every[k] else float("nan"),
                float(np.mean(at_ic[k])) if at_ic[k] else float("nan")) for k in segments}


def bound_rows(name: str, cache: Path, src: Path, base: dict) -> dict[str, str]:
    """Consistency rows of the upper-bound clips (pose once per clip, cached)."""
    out = {}
    people = 2 if name == "walking" else 1
    for kind, (start, vf) in BOUNDS.items():
        video = cache / name / f"{kind}.mp4"
        if not video.exists():
            inp = src if start == "base" else cache / name / "dim.mp4"
            subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(inp), "-vf", vf,
                            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
                            "-pix_fmt", "yuv420p", "-an", str(video)], check=True)
        npz = landmarks_for(video, cache / name / f"{kind}.landmarks.npz", people)
        c = compare(base, summary(analyse(npz, video)))
        out[kind] = " ".join(
            f"{k}={'—' if c[k] is None else f'{c[k]:+.2f}'}"
            f"{'!' if c[k] is not None and k in TARGETS and abs(c[k]) > TARGETS[k] else ''}"
            for k in [*TARGETS, "ground_angle_deg"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" /
                    "gaitcheck-consistency")
    ap.add_argument("--clips", default="treadmill,synth60")
    ap.add_argument("--pose", action="store_true", help="also run the upper-bound clips")
    args = ap.parse_args(argv)
    for name in args.clips.split(","):
        src, _ = CLIPS[name](args.cache)
        dim = args.cache / name / "dim.mp4"
        base_npz = args.cache / name / "base.landmarks.npz"
        if not dim.exists() or not base_npz.exists():
            print(f"{name}: run benchmarks/consistency.py --cache {args.cache} first")
            continue
        report = analyse(base_npz, src)
        pic = picture(dim)
        print(f"\n## {name}: decoded black {pic['decoded_black']:.1%}, luma 0 in the file "
              f"{pic['luma_0']:.1%}, luma < 16 {pic['luma_below_16']:.1%}")
        print("  share of the true segment clipped to black: all frames / near-foot ICs")
        for seg, (a, b) in along_body(src, dim, base_npz, report).items():
            print(f"    {seg:11s} {a:5.2f} / {b:5.2f}")
        if args.pose:
            for kind, row in bound_rows(name, args.cache, src, summary(report)).items():
                print(f"  {kind:9s} {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
