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
from gaitcheck.video.sampling import FrameSampler, sample_frames, segments

#: Frames used for the scene-line estimate.
N_FRAMES = 8
#: Largest roll looked for, degrees: a steeper "horizontal" is not one.
MAX_ROLL_DEG = 12.0
#: Shortest segment used, as a fraction of the image diagonal.
MIN_SEGMENT_FRACTION = 0.06
#: Angular width of the vote kernel and of the window the peak is refined in, degrees.
KERNEL_SD_DEG, PEAK_HALF_WIDTH_DEG = 0.35, 1.0
#: Runner box margin, fraction of the box height, on every side.
BOX_MARGIN = 0.08


def _clip_outside(p: np.ndarray, q: np.ndarray, box: tuple[float, float, float, float]
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parts of segment ``p → q`` outside the axis-aligned ``box`` (x0, y0, x1, y1)."""
    d = q - p
    t0, t1 = 0.0, 1.0
    for pk, dk, lo, hi in ((p[0], d[0], box[0], box[2]), (p[1], d[1], box[1], box[3])):
        if abs(dk) < 1e-12:
            if pk < lo or pk > hi:
                return [(p, q)]
            continue
        a, b = sorted(((lo - pk) / dk, (hi - pk) / dk))
        t0, t1 = max(t0, a), min(t1, b)
    if t0 >= t1:
        return [(p, q)]
    parts = []
    if t0 > 0:
        parts.append((p, p + t0 * d))
    if t1 < 1:
        parts.append((p + t1 * d, q))
    return parts


def _along(mask: np.ndarray, p: np.ndarray, q: np.ndarray) -> bool:
    """Whether a fifth or more of segment ``p → q`` lies on ``mask``."""
    t = np.linspace(0.0, 1.0, 11)[:, None]
    pts = np.rint(p + t * (q - p)).astype(int)
    h, w = mask.shape
    pts[:, 0] = np.clip(pts[:, 0], 0, w - 1)
    pts[:, 1] = np.clip(pts[:, 1], 0, h - 1)
    return bool(mask[pts[:, 1], pts[:, 0]].mean() >= 0.2)


def padding_mask(frames: list[tuple[int, np.ndarray, float]]) -> np.ndarray:
    """Pixels within 4 px of a pixel black in every sampled frame (padding, the corners
    of a rotated picture)."""
    peak = np.max([g for _, g, _ in frames], axis=0)
    black = (peak <= 20).astype(np.uint8)
    return cv2.dilate(black, np.ones((9, 9), np.uint8)) > 0


def _runner_box(xy: np.ndarray) -> tuple[tuple[float, float, float, float], float] | None:
    """Box around the landmarks (33, 2) of one frame with a margin, and the hip row."""
    ok = np.all(np.isfinite(xy), axis=-1)
    if ok.sum() < 10:
        return None
    p = xy[ok]
    x0, y0 = p.min(axis=0)
    x1, y1 = p.max(axis=0)
    m = BOX_MARGIN * (y1 - y0)
    hips = xy[[LM["left_hip"], LM["right_hip"]], 1]
    hip_y = float(np.nanmean(hips)) if np.isfinite(hips).any() else (y0 + y1) / 2
    return (x0 - m, y0 - m, x1 + m, y1 + m), hip_y


def votes(grey: np.ndarray, landmarks_px: np.ndarray | None, scale: float,
          padding: np.ndarray | None = None, detected: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Roll votes of one frame: ``(deviation_deg, length_px)`` arrays with a kind column.

    Parameters
    ----------
    grey : ndarray (H, W)
        Grey frame, ``scale`` × the video's size.
    landmarks_px : ndarray (33, 2), optional
        The runner's landmarks in video pixels (None: no runner to cut away).
    padding : ndarray (H, W) of bool, optional
        Pixels next to black padding (a rotated or padded picture): segments running
        along it are its edge, not a scene line.

    Returns
    -------
    dev : ndarray (N, 3)
        Roll each segment implies (image_roll_deg convention), its kind (0
        horizontal, 1 vertical) and the image row of its midpoint (video pixels).
    length : ndarray (N,)
        Segment length in video pixels (the weight of its vote).
    ends : ndarray (N, 4)
        The segment's ends x1, y1, x2, y2 in video pixels.
    """
    h, w = grey.shape
    min_len = MIN_SEGMENT_FRACTION * np.hypot(h, w)
    found = _runner_box(landmarks_px * scale) if landmarks_px is not None else None
    dev, length, ends = [], [], []
    segs = segments(grey) if detected is None else detected
    # Most LSD segments are short texture edges: drop them before the per-segment work.
    segs = segs[np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1]) >= min_len]
    for x1, y1, x2, y2 in segs:
        pieces = [(np.array([x1, y1]), np.array([x2, y2]))]
        if found is not None:
            pieces = _clip_outside(pieces[0][0], pieces[0][1], found[0])
        for p, q in pieces:
            d = q - p
            n = float(np.hypot(*d))
            if n < min_len or (padding is not None and _along(padding, p, q)):
                continue
            # Image angle with y up, folded to (-90, 90].
            a = float(np.degrees(np.arctan2(-d[1], d[0])))
            a = (a + 90.0) % 180.0 - 90.0
            mid_y = float(p[1] + q[1]) / 2 / scale
            if abs(a) <= MAX_ROLL_DEG:
                dev.append((a, 0, mid_y))
            elif abs(abs(a) - 90.0) <= MAX_ROLL_DEG:
                # A plumb line rotated by the roll r is at 90 + r (folded: r - 90 if r > 0).
                top = min(p[1], q[1])
                if found is not None and top > found[1]:
                    continue
                dev.append((a - 90.0 if a > 0 else a + 90.0, 1, mid_y))
            else:
                continue
            length.append(n / scale)
            ends.append((p[0] / scale, p[1] / scale, q[0] / scale, q[1] / scale))
    return (np.asarray(dev, float).reshape(-1, 3), np.asarray(length, float),
            np.asarray(ends, float).reshape(-1, 4))


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


def _content_box(frames: list[tuple[int, np.ndarray, float]]) -> tuple[slice, slice]:
    """Rows and columns holding picture in any frame: black padding (letter- or
    pillar-boxing) has a perfectly straight edge that is no scene line."""
    peak = np.max([g for _, g, _ in frames], axis=0) if frames else np.zeros((1, 1))
    rows = np.flatnonzero(peak.max(axis=1) > 24)
    cols = np.flatnonzero(peak.max(axis=0) > 24)
    if len(rows) == 0 or len(cols) == 0:
        return slice(None), slice(None)
    # A few pixels in: the padding's edge is blurred by the codec.
    return slice(rows[0] + 3, rows[-1] - 2), slice(cols[0] + 3, cols[-1] - 2)


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


def vertical_point(seg: np.ndarray, weight: np.ndarray, centre: np.ndarray, size: float
                   ) -> tuple[np.ndarray | None, float]:
    """Vanishing point of plumb lines (homogeneous, image pixels) and the share of
    line length consistent with it.

    ``seg`` (N, 4) holds near-vertical segments x1, y1, x2, y2. The point minimises the
    length-weighted squared distances of the lines to it (smallest eigenvector of the
    weighted line scatter), twice with lines more than 0.5° off it dropped. A camera
    without pitch has it at infinity: homogeneous coordinates keep that exact.
    """
    if len(seg) < 3:
        return None, 0.0
    p = np.c_[(seg[:, :2] - centre) / size, np.ones(len(seg))]
    q = np.c_[(seg[:, 2:] - centre) / size, np.ones(len(seg))]
    lines = np.cross(p, q)
    lines /= np.linalg.norm(lines[:, :2], axis=1, keepdims=True)
    keep = np.ones(len(seg), bool)
    mid = (p[:, :2] + q[:, :2]) / 2
    off = np.zeros(len(seg))
    vp = None
    for limit in (3.0, 1.0, 0.5):
        if keep.sum() < 3:
            return None, 0.0
        w = weight[keep]
        m = (lines[keep] * w[:, None]).T @ lines[keep]
        vp = np.linalg.eigh(m)[1][:, 0]
        # Angle between each segment and the direction from its midpoint to the point.
        to_vp = vp[:2, None].T - mid * vp[2]
        seg_dir = q[:, :2] - p[:, :2]
        cross = to_vp[:, 0] * seg_dir[:, 1] - to_vp[:, 1] * seg_dir[:, 0]
        dot = np.sum(to_vp * seg_dir, axis=1)
        off = np.degrees(np.abs(np.arctan2(cross, dot)))
        off = np.minimum(off, 180 - off)
        keep = off <= limit
    share = float(weight[keep].sum() / weight.sum())
    return vp, share


def roll_at(vp: np.ndarray, point: np.ndarray, centre: np.ndarray, size: float) -> float:
    """Image roll (image_roll_deg convention) of the plumb line through ``point`` (image
    pixels), i.e. through ``point`` and the vertical vanishing point ``vp``."""
    x = (point - centre) / size
    d = vp[:2] - x * vp[2]
    a = float(np.degrees(np.arctan2(-d[1], d[0])))
    a = (a + 90.0) % 180.0 - 90.0
    return a - 90.0 if a > 0 else a + 90.0


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
    read at the runner's trunk (:func:`_plumb_at_runner`), and the near-horizontal
    lines in a band around the ground under the runner's feet (treadmill deck and belt
    edges, floor and track edges), which run along the line of progression. The
    scene's other horizontals (walls, cabinets) are reported for diagnosis only: on a
    camera pitched up or down they converge by several degrees.

    Parameters
    ----------
    frames : list of (frame_index, grey, scale)
        Sampled frames (:class:`FrameSampler`, :func:`sample_frames`).
    landmarks_px : ndarray (T, 33, 2), optional
        The runner's landmarks in video pixels, one row per analysed frame.
    rows : dict, optional
        Video frame index → row of ``landmarks_px``.
    found : dict, optional
        Frame index → :func:`segments` of the whole frame, if already detected.

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
    ys, xs = _content_box(frames)
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
    plumb = _plumb_at_runner(ends[dev[:, 1] == 1], length[dev[:, 1] == 1], landmarks_px,
                             frames, norm)
    roll, conf, source = scene_roll({"plumb": plumb, "ground_lines": ground})
    return {"image_roll_deg": None if roll is None else round(roll, 3),
            "confidence": round(conf, 3), "source": source,
            "plumb": plumb, "ground_lines": ground, "frames": len(frames),
            "ground_band_px": [round(b, 1) for b in band] if band else None, **scene}


def _plumb_at_runner(ends: np.ndarray, length: np.ndarray, landmarks_px: np.ndarray | None,
                     frames: list[tuple[int, np.ndarray, float]], norm: float
                     ) -> dict[str, Any]:
    """Roll of the true vertical at the runner's trunk, from the plumb lines' vanishing
    point (so a camera pitched up or down, whose verticals converge, is read where the
    runner is, and padding or cropping the picture changes nothing)."""
    none = {"roll_deg": None, "confidence": 0.0, "share": 0.0, "length_diagonals": 0.0}
    if not frames or len(ends) < 3:
        return none
    h, w = frames[0][1].shape
    scale = frames[0][2]
    centre = np.array([w, h], float) / 2 / scale
    size = float(np.hypot(w, h)) / scale
    vp, share = vertical_point(ends, length, centre, size)
    if vp is None:
        return none
    if landmarks_px is not None:
        hips = (landmarks_px[:, LM["left_hip"]] + landmarks_px[:, LM["right_hip"]]) / 2
        sh = (landmarks_px[:, LM["left_shoulder"]] + landmarks_px[:, LM["right_shoulder"]]) / 2
        mid = (hips + sh) / 2
        seen = np.isfinite(mid).all(axis=1)
        # A runner never seen (a clip too dark for the model) is read at the picture centre.
        at = np.median(mid[seen], axis=0) if seen.any() else centre
    else:
        at = centre
    roll = roll_at(vp, at, centre, size)
    amount = share * float(length.sum()) / norm
    conf = share * min(1.0, amount / 0.5)
    return {"roll_deg": round(roll, 3), "confidence": round(float(conf), 3),
            "share": round(share, 3), "length_diagonals": round(amount, 3),
            "at_px": [round(float(v), 1) for v in at]}


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
