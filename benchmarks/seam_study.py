"""Do two VIDEO-mode landmarkers started at different frames converge? (issue 17)

Reads the passes cached by ``benchmarks/seam_cache.py`` and prints, for each clip and
each later start s, the per-frame landmark difference between the landmarker started at
frame 0 (the single pass) and the one started at s, on the same frames, in % of torso
length (shoulder mid to hip mid of the single pass), per landmark group, binned by
frames since s; how many frames are bit-identical, and from which frame on the two stay
identical.

Usage::

    python benchmarks/seam_study.py --cache DIR [CLIP ...]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seam_cache import CLIPS, load

GROUPS = {"head": list(range(0, 11)), "trunk": [11, 12, 23, 24],
          "arms": list(range(13, 23)), "knees": [25, 26], "ankles": [27, 28],
          "feet": [29, 30, 31, 32]}
BINS = ((0, 5), (5, 10), (10, 20), (20, 40), (40, 80), (80, 160), (160, 10**6))


def torso_px(image: np.ndarray, w: int, h: int) -> float:
    """Median shoulder-mid to hip-mid distance of one person's track, pixels."""
    xy = image[:, :, :2] * (w, h)
    top, bottom = xy[:, 11:13].mean(axis=1), xy[:, 23:25].mean(axis=1)
    return float(np.nanmedian(np.linalg.norm(top - bottom, axis=1)))


def converge(clip: Path, cache: Path) -> dict:
    from gaitcheck.video.reader import VideoReader

    passes = load(cache, clip)
    info = VideoReader(clip).info
    w, h = info.width, info.height
    single = passes[0]
    a_all = single["image"][:, 0]
    torso = torso_px(a_all, w, h)
    print(f"{clip.name}: {len(a_all)} frames, torso {torso:.0f} px")
    out = {"clip": clip.name, "torso_px": torso, "starts": {}}
    for s, entry in passes.items():
        if s == 0:
            continue
        a, b = a_all[s:], entry["image"][:, 0]
        gap = np.linalg.norm((a[:, :, :2] - b[:, :, :2]) * (w, h), axis=2) / torso * 100
        same = np.all(a == b, axis=(1, 2)) | (np.isnan(a).all(axis=(1, 2))
                                              & np.isnan(b).all(axis=(1, 2)))
        differ = np.flatnonzero(~same)
        settled = int(differ[-1] + 1) if len(differ) else 0
        people = (single["people"][s:] != entry["people"]).sum()
        print(f"  start {s}: identical frames {int(same.sum())}/{len(same)}, identical "
              f"from frame {s + settled if settled < len(same) else 'never'} "
              f"({settled} after the start); frames with another count of people {people}")
        # Settling: the first frame from which the median over the 33 landmarks (what
        # the seam cost reads) stays, over 5 frames, within 1.25x its level from 40
        # frames after the start on.
        med = np.nanmedian(gap, axis=1)
        level = float(np.nanmedian(med[40:])) if len(med) > 45 else float("nan")
        calm = np.convolve(med <= 1.25 * level, np.ones(5), "valid") == 5
        settle = int(np.argmax(calm)) if calm.any() else None
        print(f"    median landmark difference {level:.2f} % torso from 40 frames on; "
              f"within 1.25x of it (5 frames running) from {settle} frames after the start")
        # Bistable feet: one landmarker swaps or misplaces a foot the other does not.
        feet = np.nanmax(gap[:, [27, 28, 29, 30, 31, 32]], axis=1)
        flips = int((feet > 25).sum())
        print(f"    frames with a foot > 25 % torso apart: {flips} of "
              f"{int(np.isfinite(feet).sum())}")
        rows = {}
        for name, idx in GROUPS.items():
            g = np.nanmax(gap[:, idx], axis=1)
            cells = [f"{np.nanmedian(g[lo:hi]):6.2f}/{np.nanmax(g[lo:hi]):6.2f}"
                     if lo < len(g) else "   -" for lo, hi in BINS]
            rows[name] = cells
            print(f"    {name:6s} " + " ".join(cells))
        out["starts"][s] = {"identical": int(same.sum()), "settled_after": settled,
                            "steady_median_pct": level, "settles_after": settle,
                            "foot_flip_frames": flips,
                            "groups": rows}
    print("    (median/max over frames of the group's largest landmark difference, % "
          "torso, by frames since the start: " + ", ".join(
              f"{lo}-{hi if hi < 10**6 else 'end'}" for lo, hi in BINS) + ")")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=CLIPS)
    parser.add_argument("--cache", type=Path, required=True)
    args = parser.parse_args(argv)
    for clip in args.clips:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames: nobody seen
            if (args.cache / f"{clip.stem}.npz").is_file():
                converge(clip, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
