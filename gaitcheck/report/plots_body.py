"""Body plots of the HTML report: joint-angle curves over the gait cycle and stick
figures drawn from the cleaned landmarks (no video needed)."""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.landmarks import LM
from gaitcheck.metrics.curves import gait_cycle_curves
from gaitcheck.report.plots import INK, MUTED, SIDE_COLOURS, new_figure, styled, to_svg

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

SIDES = ("left", "right")
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


@styled
def cycle_plot(panels: list[dict[str, Any]]) -> str | None:
    """Curves of :func:`cycle_panels`, left and right overlaid (mean line, ± SD band,
    dashed toe-off). None without panels."""
    if not panels:
        return None
    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    fig = new_figure(10.0 if cols == 2 else 6.0, 2.6 * rows + 0.3)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        for side, curve in panel["sides"].items():
            colour = SIDE_COLOURS[side]
            pct, mean, sd = curve["percent"], curve["mean"], curve["sd"]
            ax.fill_between(pct, mean - sd, mean + sd, color=colour, alpha=0.18, linewidth=0)
            ax.plot(pct, mean, color=colour, label=f"{side} mean ± SD")
            if curve["toe_off_pct"] is not None:
                ax.axvline(curve["toe_off_pct"], color=colour, linestyle="--", linewidth=0.8,
                           label=f"{side} toe-off")
        ax.set_title(panel["title"], loc="left", color=INK)
        ax.set_xlim(0, 100)
        ax.set_ylabel("degrees")
    # One legend for all panels: a legend inside a panel would hide part of a curve.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(labels))
    for ax in axes[-cols:]:
        ax.set_xlabel("% of gait cycle (initial contact → next initial contact)")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    return to_svg(fig, "cycle", "joint angles over the gait cycle, mean ± SD per side")


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


@styled
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
    panel_w = 2.5
    fig = new_figure(panel_w * len(picks), min(max(panel_w * (y1 - y0) / (x1 - x0), 2.4), 4.2))
    axes = fig.subplots(1, len(picks), squeeze=False).ravel()
    snapshots = []
    for ax, (label, row), pose in zip(axes, picks, poses, strict=True):
        _draw_pose(ax, pose, side)
        feet = pose[_FEET, 1]
        if np.isfinite(feet).any():
            ax.axhline(float(np.nanmax(feet)), color=MUTED, linewidth=0.6)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)  # image rows grow downwards
        ax.set_aspect("equal")
        ax.set_axis_off()
        t = float(tracks.time_s[row])
        ax.set_title(f"{label}\n{t:.2f} s", color=INK)
        snapshots.append({"label": label, "time_s": round(t, 3),
                          "frame": int(tracks.frame_index[row])})
    svg = to_svg(fig, "stick", "stick figures at contact, mid-stance and toe-off")
    return {"svg": svg, "side": side, "snapshots": snapshots}


def _draw_pose(ax: Any, pose: np.ndarray, stance: str | None) -> None:
    def seg(a: str, b: str, colour: str, width: float) -> None:
        p, q = pose[LM[a]], pose[LM[b]]
        ax.plot([p[0], q[0]], [p[1], q[1]], color=colour, linewidth=width,
                solid_capstyle="round")

    for a, b in _TORSO:
        seg(a, b, MUTED, 2.0)
    for side in SIDES:
        for a, b in _ARM:
            seg(f"{side}_{a}", f"{side}_{b}", SIDE_COLOURS[side], 1.8)
        # The stance leg is drawn heavier so the eye finds the supporting foot.
        for a, b in _LEG:
            seg(f"{side}_{a}", f"{side}_{b}", SIDE_COLOURS[side], 3.0 if side == stance else 1.8)
    ears = (pose[LM["left_ear"]] + pose[LM["right_ear"]]) / 2
    shoulders = (pose[LM["left_shoulder"]] + pose[LM["right_shoulder"]]) / 2
    if np.isfinite(ears).all() and np.isfinite(shoulders).all():
        ax.plot([shoulders[0], ears[0]], [shoulders[1], ears[1]], color=MUTED, linewidth=2.0)
        radius = 0.45 * float(np.linalg.norm(ears - shoulders))
        ax.add_patch(_circle(ears, radius))
    nose = pose[LM["nose"]]
    if np.isfinite(nose).all():
        ax.plot(nose[0], nose[1], marker="o", markersize=2.5, color=INK)


def _circle(centre: np.ndarray, radius: float) -> Any:
    from matplotlib.patches import Circle

    return Circle((float(centre[0]), float(centre[1])), radius, fill=False,
                  edgecolor=MUTED, linewidth=1.6)
