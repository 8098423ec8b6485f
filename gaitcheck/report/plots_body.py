"""Body plots of the HTML report: joint-angle curves over the gait cycle and stick
figures drawn from the cleaned landmarks (no video needed), as inline SVG
(:mod:`gaitcheck.report.svg`)."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics.curves import gait_cycle_curves
from gaitcheck.report.plots import INK, MUTED, SIDE_COLOURS
from gaitcheck.report.svg import Axes, Figure, to_svg
from gaitcheck.sides import SIDES

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

#: Curves drawn per view: (series, with ``{side}`` for per-side series; panel title).
SAGITTAL_CURVES = (
    ("knee_flexion_{side}_deg", "Knee flexion (0° = straight)"),
    ("hip_flexion_{side}_deg", "Hip flexion (+) / extension (−)"),
    ("trunk_lean_deg", "Trunk lean (forward +)"),
    ("foot_angle_{side}_deg", "Foot angle to the ground (toes up +)"),
)
FRONTAL_CURVES = (("lateral_trunk_lean_deg", "Lateral trunk lean (toward the right +)"),)
_ARM = (("shoulder", "elbow"), ("elbow", "wrist"))
_LEG = (("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"),
        ("foot_index", "ankle"))
_FEET = [LM[f"{s}_{p}"] for s in SIDES for p in ("heel", "foot_index")]
_TORSO = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
          ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip")]


def _toe_off_pct(result: GaitResult, side: str) -> float | None:
    """Mean toe-off time of ``side`` in % of its gait cycle (None without pairs)."""
    ics = sorted(result.contact_rows(side))
    tos = sorted(result.row_of_frame(t["frame"]) for t in result.events.get("toe_offs", [])
                 if t.get("side") == side)
    pct = [100.0 * (to - a) / (b - a) for a, b in itertools.pairwise(ics)
           for to in tos if a < to < b]
    return float(np.mean(pct)) if pct else None


def cycle_panels(result: GaitResult) -> list[dict[str, Any]]:
    """Mean ± SD curves over the gait cycle of every available series.

    Returns
    -------
    list of dict
        One panel per series with at least one stride: ``series``, ``title``, and
        ``sides``: per side the curve of :func:`gait_cycle_curves` plus ``toe_off_pct``.
    """
    angles = result.angles
    specs = SAGITTAL_CURVES if result.view in ("side", "oblique") else FRONTAL_CURVES
    panels = []
    for series, title in specs:
        sides = {}
        for side in SIDES:
            data = angles.get(series.format(side=side))
            rows = result.contact_rows(side)
            if data is None or len(rows) < 2:
                continue
            curve = gait_cycle_curves(data, rows)
            if curve["n_strides"]:
                sides[side] = curve | {"toe_off_pct": _toe_off_pct(result, side)}
        if sides:
            panels.append({"series": series.format(side="<side>"), "title": title,
                           "sides": sides})
    return panels


def cycle_plot(panels: list[dict[str, Any]]) -> str | None:
    """Curves of :func:`cycle_panels`, left and right overlaid (mean line, ± SD band,
    dashed toe-off). None without panels."""
    if not panels:
        return None
    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    width, legend_h, row_h, label_h = (960 if cols == 2 else 580), 26, 250, 18
    fig = Figure("cycle", width, legend_h + rows * row_h + label_h,
                 "joint angles over the gait cycle, mean ± SD per side")
    col_w = width / cols
    for k, panel in enumerate(panels):
        row, col = divmod(k, cols)
        ax = fig.axes(col * col_w + 56, legend_h + row * row_h + 26, col_w - 72, row_h - 54)
        ax.set_xlim(0, 100)
        lo, hi = _span([np.concatenate([c["mean"] - c["sd"], c["mean"] + c["sd"], c["mean"]])
                        for c in panel["sides"].values()])
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        ax.set_ylim(lo - pad, hi + pad)
        for side, curve in panel["sides"].items():
            colour = SIDE_COLOURS[side]
            pct, mean, sd = curve["percent"], curve["mean"], curve["sd"]
            ax.fill_between(pct, mean - sd, mean + sd, colour, 0.18)
            ax.line(pct, mean, colour, 1.8, label=f"{side} mean ± SD")
            ax.legend_items[-1]["patch"] = 0.18  # its handle shows the band as well
            if curve["toe_off_pct"] is not None:
                ax.vline(curve["toe_off_pct"], colour, 1.0, dash="4 3", label=f"{side} toe-off")
        ax.title(panel["title"])
        # The x label under the lowest panel of each column only: the rows share it.
        below = k + cols < len(panels)
        ax.x_axis([0, 20, 40, 60, 80, 100], None if below else
                  "% of gait cycle (initial contact → next initial contact)")
        ax.y_axis(label="degrees")
    # One legend for all panels, across the top: in a panel it would hide part of a curve.
    items = {i["label"]: i for ax in reversed(fig.axes_list) for i in ax.legend_items}
    fig.legend(sorted(items.values(), key=lambda i: i["label"]))
    return to_svg(fig)


def _span(arrays: list[np.ndarray]) -> tuple[float, float]:
    """Smallest and largest finite value of ``arrays``; (0, 1) without one."""
    values = np.concatenate(arrays)
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)


def _pose_rows(result: GaitResult) -> tuple[str | None, list[tuple[str, int]]]:
    """The stance side and the (label, track row) of each snapshot.

    A representative stride: the middle stance, with a toe-off, of the near leg (its
    landmarks are the most reliable); without events, the middle frame with a pose.
    """
    n = result.tracks.n_frames
    near = (result.report.get("view") or {}).get("near_side")
    toe_offs = result.events.get("toe_offs", [])
    stances: dict[str, list[tuple[float, float | None]]] = {}
    for side in sorted(SIDES, key=lambda s: s != near):
        ics = sorted(result.contact_rows(side))
        tos = sorted(result.row_of_frame(t["frame"]) for t in toe_offs
                     if t.get("side") == side)
        stances[side] = [(a, next((t for t in tos if a < t < b), None))
                         for a, b in zip(ics, [*ics[1:], math.inf][:len(ics)], strict=True)]
    for side, found in stances.items():
        full = [(a, t) for a, t in found if t is not None]
        if full:
            ic, to = full[len(full) // 2]
            return side, [("Initial contact", round(ic)), ("Mid-stance", round((ic + to) / 2)),
                          ("Toe-off", round(to))]
    for side, found in stances.items():
        if found:
            return side, [("Initial contact", round(found[len(found) // 2][0]))]
    posed = np.flatnonzero(result.cleaned.detected)
    if posed.size == 0:
        return None, []
    middle = int(posed[np.argmin(np.abs(posed - (n - 1) / 2))])
    return None, [("Mid-clip (no gait events)", middle)]


def stick_figures(result: GaitResult) -> dict[str, Any] | None:
    """Stick figures at contact, mid-stance and toe-off of one stride.

    Returns
    -------
    dict or None
        ``svg``, ``side`` (the stance leg, None without events) and ``snapshots``
        (``label``, ``time_s``, ``frame``); None when no frame has a pose.
    """
    side, picks = _pose_rows(result)
    if not picks:
        return None
    tracks = result.cleaned
    xy = tracks.xy_px()
    poses = [xy[min(max(row, 0), tracks.n_frames - 1)] for _, row in picks]
    stack = np.concatenate(poses)
    stack = stack[np.isfinite(stack).all(axis=1)]
    if stack.size == 0:
        return None
    (x0, y0), (x1, y1) = stack.min(axis=0), stack.max(axis=0)
    margin = 0.08 * max(x1 - x0, y1 - y0, 1.0)
    x0, x1, y0, y1 = x0 - margin, x1 + margin, y0 - margin, y1 + margin
    ground = ground_line(result)
    panel_w, title_h = 240, 40
    panel_h = min(max(panel_w * (y1 - y0) / (x1 - x0), 230.0), 400.0)
    fig = Figure("stick", panel_w * len(picks), round(title_h + panel_h),
                 "stick figures at contact, mid-stance and toe-off")
    snapshots = []
    for k, ((label, row), pose) in enumerate(zip(picks, poses, strict=True)):
        ax = fig.axes(k * panel_w + 4, title_h, panel_w - 8, panel_h - 4)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)  # image rows grow downwards
        ax.set_aspect_equal()
        _draw_ground(ax, pose, ground, x0, x1)
        _draw_pose(ax, pose, side)
        t = float(tracks.time_s[row])
        centre = k * panel_w + panel_w / 2
        fig.text(centre, 15, label, 12)
        fig.text(centre, 31, f"{t:.2f} s", 12)
        snapshots.append({"label": label, "time_s": round(t, 3),
                          "frame": int(tracks.frame_index[row])})
    return {"svg": to_svg(fig), "side": side, "snapshots": snapshots}


def ground_line(result: GaitResult) -> tuple[float, bool]:
    """The ground line's inclination in the image (degrees, anticlockwise positive as
    displayed: ``analysis.frame.camera_roll_image_deg``) and whether the analysis
    applied it; (0, False) without an estimate."""
    frame = (result.report.get("analysis") or {}).get("frame") or {}
    roll = frame.get("camera_roll_image_deg")
    if roll is None:
        return 0.0, False
    return float(roll), bool(frame.get("ground_applied"))


def _draw_ground(ax: Axes, pose: np.ndarray, ground: tuple[float, bool], x0: float,
                 x1: float) -> None:
    """The ground line under the lowest foot point, at the inclination the angles are
    measured against: solid when applied, dashed (an estimate the analysis did not
    trust) when not."""
    feet = pose[_FEET]
    feet = feet[np.isfinite(feet).all(axis=1)]
    if not len(feet):
        return
    slope = -math.tan(math.radians(ground[0]))  # image rows grow downwards
    # The line rests on the foot point lowest relative to it.
    base = feet[np.argmax(feet[:, 1] - slope * feet[:, 0])]
    ys = [base[1] + slope * (x - base[0]) for x in (x0, x1)]
    ax.line([x0, x1], ys, MUTED, 1.2 if ground[1] else 0.8,
            dash=None if ground[1] else "5 4")


def _draw_pose(ax: Axes, pose: np.ndarray, stance: str | None) -> None:
    def seg(a: str, b: str, colour: str, width: float) -> None:
        p, q = pose[LM[a]], pose[LM[b]]
        ax.line([p[0], q[0]], [p[1], q[1]], colour, width, caps=True)

    for a, b in _TORSO:
        seg(a, b, MUTED, 2.7)
    for side in SIDES:
        for a, b in _ARM:
            seg(f"{side}_{a}", f"{side}_{b}", SIDE_COLOURS[side], 2.4)
        # The stance leg is drawn heavier so the eye finds the supporting foot.
        for a, b in _LEG:
            seg(f"{side}_{a}", f"{side}_{b}", SIDE_COLOURS[side], 4.0 if side == stance else 2.4)
    ears = (pose[LM["left_ear"]] + pose[LM["right_ear"]]) / 2
    shoulders = (pose[LM["left_shoulder"]] + pose[LM["right_shoulder"]]) / 2
    if np.isfinite(ears).all() and np.isfinite(shoulders).all():
        ax.line([shoulders[0], ears[0]], [shoulders[1], ears[1]], MUTED, 2.7, caps=True)
        ax.circle(ears[0], ears[1], 0.45 * float(np.linalg.norm(ears - shoulders)), MUTED, 2.1)
    nose = pose[LM["nose"]]
    if np.isfinite(nose).all():
        ax.markers([nose[0]], [nose[1]], "o", INK, 1.7, width=0)
