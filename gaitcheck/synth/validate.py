"""How well the real pose model sees the rendered synthetic runner.

Renders a clip, runs the pose pipeline on it, and compares the detected landmarks with
the true ones the renderer drew: detection coverage and landmark error (pixels and % of
body height) per landmark group; and, in side views, the detected initial contacts and
toe-offs with the true ones (:func:`gaitcheck.evaluation.match_events`). Used by
``benchmarks/synth_pose_accuracy.py`` and the validation test.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from gaitcheck.evaluation import match_events
from gaitcheck.landmarks import LM
from gaitcheck.synth.clip import ClipSpec, make_clip
from gaitcheck.synth.kinematics import generate_motion

#: Landmark groups reported separately (both sides pooled).
GROUPS: dict[str, tuple[str, ...]] = {
    "head": ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "mouth_left",
             "mouth_right"),
    "shoulders": ("left_shoulder", "right_shoulder"),
    "elbows": ("left_elbow", "right_elbow"),
    "wrists": ("left_wrist", "right_wrist"),
    "hips": ("left_hip", "right_hip"),
    "knees": ("left_knee", "right_knee"),
    "ankles": ("left_ankle", "right_ankle"),
    "heels": ("left_heel", "right_heel"),
    "foot_index": ("left_foot_index", "right_foot_index"),
}
#: Largest timing error of a detected event still paired with a true one, s: a third of
#: a running step, so a pair is the same contact and its error is measured, not hidden.
EVENT_TOLERANCE_S = 0.1


def event_accuracy(report: dict[str, Any], contacts: Any, fps: float) -> dict[str, Any]:
    """Detected contacts and toe-offs of a report against the true ones.

    Parameters
    ----------
    report : dict
        ``report.json`` of the analysed clip.
    contacts : sequence of Contact
        The synthetic runner's true stances (:attr:`~gaitcheck.synth.kinematics.Motion.contacts`).
    fps : float
        Frame rate of the clip, frames/s.

    Returns
    -------
    dict
        Per event kind (``"IC"``, ``"TO"``): the :meth:`~gaitcheck.evaluation.EventMatch.to_dict`
        summary at :data:`EVENT_TOLERANCE_S` (one-to-one, per foot) plus
        ``within_1_frame``, the share of the true events found within one frame.
    """
    out: dict[str, Any] = {}
    events = report.get("events") or {}
    for kind, key, attr in (("IC", "contacts", "ic_s"), ("TO", "toe_offs", "to_s")):
        truth = [{"time_s": getattr(c, attr), "side": c.side} for c in contacts]
        m = match_events(events.get(key) or [], truth, EVENT_TOLERANCE_S)
        close = int(np.sum(np.abs(m.timing_errors_s) <= 1.0 / fps + 1e-9))
        out[kind] = m.to_dict() | {"within_1_frame": close / len(truth) if truth else None}
    return out


def pose_accuracy(spec: ClipSpec, max_people: int = 1) -> dict[str, Any]:
    """Render ``spec``, run MediaPipe on it, and measure coverage and landmark errors.

    Parameters
    ----------
    spec : ClipSpec
        The clip to render.
    max_people : int
        People tracked by the pose model.

    Returns
    -------
    dict
        ``coverage`` (fraction of frames with a pose), ``body_height_px`` (median), and
        ``groups``: per landmark group the median and 90th-percentile error in pixels
        and in % of body height (as labelled by the model: a left/right swap counts
        as an error); ``events`` in side views (:func:`event_accuracy`), else None.
    """
    from gaitcheck.pipeline import AnalyzeOptions, analyze_video

    motion = generate_motion(spec.params)
    camera = spec.camera()
    true_px = camera.project(motion.points)
    hip_depth = (true_px[:, LM["left_hip"], 2] + true_px[:, LM["right_hip"], 2]) / 2
    height_px = camera.focal_px * spec.params.body_height_m / hip_depth
    with tempfile.TemporaryDirectory() as tmp:
        video = make_clip(Path(tmp) / "clip.mp4", spec)["video"]
        result = analyze_video(video, Path(tmp) / "out", AnalyzeOptions(max_people=max_people))
    tracks = result.tracks
    detected = tracks.detected
    found = tracks.xy_px()
    rows: dict[str, dict[str, float]] = {}
    for group, names in GROUPS.items():
        idx = [LM[n] for n in names]
        err = np.linalg.norm(found[:, idx] - true_px[tracks.frame_index][:, idx, :2], axis=-1)
        rel = 100 * err / height_px[tracks.frame_index][:, None]
        err, rel = err[detected].ravel(), rel[detected].ravel()
        rows[group] = {"median_px": float(np.median(err)),
                       "p90_px": float(np.percentile(err, 90)),
                       "median_pct": float(np.median(rel)),
                       "p90_pct": float(np.percentile(rel, 90))}
    events = (event_accuracy(result.report, motion.contacts, spec.params.fps)
              if spec.view.startswith("side") else None)
    return {"view": spec.view, "frames": int(tracks.n_frames),
            "coverage": float(np.mean(detected)),
            "body_height_px": float(np.median(height_px)), "groups": rows, "events": events}
