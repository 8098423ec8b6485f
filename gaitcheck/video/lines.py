"""Camera roll from the scene's straight lines: posture-independent ground evidence.

A side view of a runner shows long straight edges that are level or plumb in the world:
the treadmill's deck and belt edges, the floor-wall junction, skirting boards, cabinets,
door and window frames. Their direction in the image gives the camera's roll without
looking at the runner at all, so it cannot inherit the pose model's errors.

A few grey, downscaled frames are kept during the pose pass (:class:`FrameSampler`, no
second decode) or read by seeking (:func:`sample_frames`). On each, line segments are
found with OpenCV's LSD detector; the parts of segments inside the runner's box (from
the landmarks of that frame) are cut away. Near-horizontal segments (within
:data:`MAX_ROLL_DEG` of the image horizontal) and near-vertical segments reaching above
the runner's hips (plumb edges; floor lines receding to the vanishing point never rise
above a camera at hip height) are kept. The plumb lines' vanishing point gives the true
vertical at the runner (a pitched camera's verticals converge); the near-horizontal
lines around the stance feet give the ground line (peak of their length-weighted angle
density). Everything is symmetric under a left-right mirror: a mirrored clip gives the
negated roll.

Convention: ``image_roll_deg`` is the angle of the scene's horizontal in the image as
displayed, positive anticlockwise (the level line rises to the image right).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.tracks.ground import scene_roll
from gaitcheck.video._cv import cv2
from gaitcheck.video.exposure import lut_of
from gaitcheck.video.line_votes import (  # the per-frame votes, still importable here
    BOX_MARGIN,
    MAX_ROLL_DEG,
    MIN_SEGMENT_FRACTION,
    content_box,
    padding_mask,
    votes,
)
from gaitcheck.video.sampling import FrameSampler, sample_frames
from gaitcheck.video.vanishing import plumb_at_runner, roll_at, vertical_point

__all__ = ["BOX_MARGIN", "KERNEL_SD_DEG", "MAX_ROLL_DEG", "MIN_SEGMENT_FRACTION", "N_FRAMES",
           "PEAK_HALF_WIDTH_DEG", "estimate_roll", "padding_mask", "roll_at", "scene_lines",
           "scene_lines_from_video", "vertical_point", "votes", "with_scene_lines"]

#: Frames used for the scene-line estimate.
N_FRAMES = 8
#: Angular width of the vote kernel and of the window the peak is refined in, degrees.
KERNEL_SD_DEG, PEAK_HALF_WIDTH_DEG = 0.35, 1.0


def _peak(dev: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """Peak of the length-weighted density of ``dev`` and the weight fraction near it."""
    if len(dev) == 0 or weight.sum() <= 0:
        return float("nan"), 0.0
    grid = np.arange(-MAX_ROLL_DEG, MAX_ROLL_DEG + 1e-9, 0.05)
    dens = (weight[None, :] * np.exp(-0.5 * ((grid[:, None] - dev[None, :])
                                             / KERNEL_SD_DEG) ** 2)).sum(axis=1)
    # Ties (a symmetric density) resolve to the peak nearest zero, the same for a mirror.
    best = np.flatnonzero(dens >= dens.max() * (1 - 1e-9))
    g = float(grid[best[np.argmin(np.abs(grid[best]))]])
    near = np.abs(dev - g) <= PEAK_HALF_WIDTH_DEG
    peak = float(np.average(dev[near], weights=weight[near]))
    return peak, float(weight[near].sum() / weight.sum())


def _ground_band(landmarks_px: np.ndarray | None) -> tuple[float, float] | None:
    """Image rows (video px) around the ground under the runner's feet: from 0.3 leg
    lengths above the lowest foot points to 0.6 below."""
    if landmarks_px is None:
        return None
    feet = landmarks_px[:, [LM[f"{s}_{p}"] for s in ("left", "right")
                            for p in ("heel", "foot_index")], 1]
    if not np.isfinite(feet).any():
        return None
    ground = float(np.nanpercentile(feet, 95))
    leg = np.linalg.norm(landmarks_px[:, LM["left_hip"]] - landmarks_px[:, LM["left_ankle"]],
                         axis=-1)
    leg_px = float(np.nanmedian(leg)) if np.isfinite(leg).any() else float("nan")
    if not np.isfinite(leg_px) or leg_px <= 0:
        return None
    return ground - 0.3 * leg_px, ground + 0.6 * leg_px


def _summary(dev: np.ndarray, length: np.ndarray, norm: float) -> dict[str, Any]:
    """Peak roll, the share of line length agreeing with it, the agreeing length in
    image diagonals per frame, and a confidence from both."""
    roll, share = _peak(dev, length)
    if not np.isfinite(roll):
        return {"roll_deg": None, "confidence": 0.0, "share": 0.0, "length_diagonals": 0.0}
    near = np.abs(dev - roll) <= PEAK_HALF_WIDTH_DEG
    amount = float(length[near].sum()) / norm
    conf = share * min(1.0, amount / 0.5)
    return {"roll_deg": round(roll, 3), "confidence": round(float(conf), 3),
            "share": round(share, 3), "length_diagonals": round(amount, 3)}


def estimate_roll(frames: list[tuple[int, np.ndarray, float]],
                  landmarks_px: np.ndarray | None, rows: dict[int, int] | None = None,
                  found: dict[int, np.ndarray] | None = None) -> dict[str, Any]:
    """Camera roll from the scene lines of ``frames``.

    Two estimates, combined by :func:`scene_roll`: the plumb lines' vanishing point
    read at the runner's trunk (:func:`gaitcheck.video.vanishing.plumb_at_runner`), and
    the near-horizontal lines in a band around the ground under the runner's feet
    (treadmill deck and belt edges, floor and track edges), which run along the line of
    progression. The scene's other horizontals (walls, cabinets) are reported for
    diagnosis only: on a camera pitched up or down they converge by several degrees.

    Parameters
    ----------
    frames : list of (frame_index, grey, scale)
        Sampled frames (:class:`FrameSampler`, :func:`sample_frames`).
    landmarks_px : ndarray (T, 33, 2), optional
        The runner's landmarks in video pixels, one row per analysed frame.
    rows : dict, optional
        Video frame index → row of ``landmarks_px``.
    found : dict, optional
        Frame index → :func:`gaitcheck.video.sampling.segments` of the whole frame, if
        already detected.

    Returns
    -------
    dict
        ``image_roll_deg`` (None when no evidence counts), ``confidence`` 0..1 and
        ``source`` of the combination; ``plumb`` and ``ground_lines`` (each with
        ``roll_deg`` and ``confidence`` = share of line length agreeing × amount of
        agreeing line, saturating at half an image diagonal per frame), and the whole
        scene's horizontal and vertical lines (``scene_horizontal``,
        ``scene_vertical``).
    """
    if not frames:
        return {"image_roll_deg": None, "confidence": 0.0, "frames": 0,
                "source": "no frames"}
    ys, xs = content_box(frames)
    pad = padding_mask(frames)[ys, xs]
    all_dev, all_len, all_ends = [], [], []
    diag = 1.0
    for index, grey, scale in frames:
        crop = grey[ys, xs]
        segs = None
        if found is not None and index in found:
            # Detected on the whole frame: shift into the crop.
            o = np.array([xs.start or 0, ys.start or 0] * 2, float)
            segs = found[index] - o
        diag = float(np.hypot(*grey.shape)) / scale
        lm = None
        if landmarks_px is not None and rows is not None and index in rows:
            lm = landmarks_px[rows[index]]
        offset = np.array([xs.start or 0, ys.start or 0], float) / scale
        dev, length, ends = votes(crop, None if lm is None else lm - offset, scale, pad, segs)
        dev[:, 2] += offset[1]
        all_dev.append(dev)
        all_len.append(length)
        all_ends.append(ends + np.tile(offset, 2))
    dev, length = np.concatenate(all_dev), np.concatenate(all_len)
    ends = np.concatenate(all_ends)
    norm = diag * len(frames)
    band = _ground_band(landmarks_px)
    horizontal = dev[:, 1] == 0
    in_band = horizontal & ((dev[:, 2] >= band[0]) & (dev[:, 2] <= band[1])
                            if band else False)
    ground = _summary(dev[in_band, 0], length[in_band], norm)
    scene = {name: _summary(dev[sel, 0], length[sel], norm)
             for name, sel in (("scene_horizontal", horizontal),
                               ("scene_vertical", dev[:, 1] == 1))}
    plumb = plumb_at_runner(ends[dev[:, 1] == 1], length[dev[:, 1] == 1], landmarks_px,
                             frames, norm)
    roll, conf, source = scene_roll({"plumb": plumb, "ground_lines": ground})
    return {"image_roll_deg": None if roll is None else round(roll, 3),
            "confidence": round(conf, 3), "source": source,
            "plumb": plumb, "ground_lines": ground, "frames": len(frames),
            "ground_band_px": [round(b, 1) for b in band] if band else None, **scene}


def scene_lines(frames: list[tuple[int, np.ndarray, float]], tracks: Any,
                found: dict[int, np.ndarray] | None = None) -> dict[str, Any]:
    """:func:`estimate_roll` of ``frames`` with the runner of ``tracks`` cut away.

    On a clip the pose pass brightened (``tracks.source["exposure"]``), the lines are
    looked for on frames brightened by the same table: in the frames as filmed most of
    the scene is near black, taken for padding, and its edges are lost (a dimmed real
    treadmill clip: no line found; brightened, the plumb lines read the roll within
    0.2° of the undimmed clip's).
    """
    lut = lut_of(tracks.source.get("exposure"))
    if lut is not None and frames:
        frames = [(i, cv2.LUT(grey, lut), s) for i, grey, s in frames]
        found = None  # detected on the dark frames
    rows = {int(f): r for r, f in enumerate(tracks.frame_index)}
    return estimate_roll(frames, tracks.xy_px(), rows, found)


def with_scene_lines(tracks: Any, sampler: FrameSampler) -> Any:
    """``tracks`` with ``source["scene_lines"]`` from the frames ``sampler`` kept (kept
    in the landmark file, so re-analysing it without the video keeps the evidence)."""
    from gaitcheck.tracks.tracks import LandmarkTracks

    lines = scene_lines(sampler.frames, tracks, sampler.segments())
    return LandmarkTracks(tracks.image, tracks.world, tracks.time_s, tracks.frame_index,
                          tracks.video, tracks.source | {"scene_lines": lines})


def scene_lines_from_video(video: Path, tracks: Any, n: int = N_FRAMES) -> dict[str, Any]:
    """:func:`scene_lines` of ``n`` evenly spaced analysed frames read by seeking."""
    idx = np.asarray(tracks.frame_index)
    picks = [int(idx[round((k + 0.5) * len(idx) / n)]) for k in range(n)] if len(idx) else []
    return scene_lines(sample_frames(video, picks), tracks)
