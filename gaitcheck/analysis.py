"""From landmark tracks to every metric: scene, cleaning, gait events, metrics, findings.

Pure: no I/O. :func:`analyze_tracks` is what ``gaitcheck analyze`` runs after pose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.signal import find_peaks

from gaitcheck.events import GaitEvents, detect_gait_events
from gaitcheck.landmarks import LM
from gaitcheck.metrics.analyze import (
    Stance,
    asymmetry,
    frontal_metrics,
    pair_stances,
    sagittal_metrics,
    temporal,
)
from gaitcheck.metrics.definitions import strike_class
from gaitcheck.metrics.findings import bands_for, findings
from gaitcheck.metrics.result import Metric, not_measurable
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.scene import Scene, understand_scene
from gaitcheck.tracks.tracks import LandmarkTracks


@dataclass(frozen=True)
class AnalysisOptions:
    """User-given facts and units.

    Attributes
    ----------
    view : str, optional
        Override of the detected view ("side", "side-left", "side-right", "front",
        "back", ...).
    setting : {"treadmill", "overground"}, optional
        Override of the detected setting.
    height_cm : float, optional
        The runner's height, cm: vertical oscillation is then reported in cm.
    """

    view: str | None = None
    setting: str | None = None
    height_cm: float | None = None


@dataclass(frozen=True)
class Analysis:
    """Everything measured from one subject's tracks (see :meth:`report_sections`)."""

    scene: Scene
    cleaning: dict[str, Any]
    events: GaitEvents | None
    activity: str | None
    activity_confidence: float
    metrics: dict[str, Metric]
    asymmetry: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    toe_offs: list[dict[str, Any]]
    warnings: list[dict[str, str]] = field(default_factory=list)
    frame_info: dict[str, Any] = field(default_factory=dict)

    def report_sections(self) -> dict[str, Any]:
        """The ``report.json`` keys this analysis fills."""
        s = self.scene
        metrics = {k: m.to_dict() for k, m in self.metrics.items()}
        metrics["asymmetry"] = self.asymmetry
        return {
            "view": {"value": s.view, "facing": s.facing, "label": s.label,
                     "confidence": round(s.view_confidence, 3), "near_side": s.near_side,
                     "near_side_confidence": round(s.near_side_confidence, 3),
                     "overridden": "view" in s.overridden, "evidence": s.evidence},
            "setting": {"value": s.setting, "confidence": round(s.setting_confidence, 3),
                        "overridden": "setting" in s.overridden},
            "activity": {"value": self.activity,
                         "confidence": round(self.activity_confidence, 3)},
            "events": {"contacts": self.contacts, "toe_offs": self.toe_offs,
                       "warnings": list(self.events.warnings) if self.events else [],
                       "slowmo_factor_suggested": self.events.slowmo_factor_suggested
                       if self.events else None},
            "metrics": metrics,
            "reference_bands": bands_for(self.metrics, self.activity),
            "findings": self.findings,
            "analysis": {"cleaning": self.cleaning, "frame": self.frame_info,
                         "warnings": self.warnings},
        }


def _usual_strike(angles: list[float], min_contacts: int = 4,
                  min_share: float = 0.8) -> str | None:
    """The strike class a foot shows on at least ``min_share`` of its measured contacts
    (at least ``min_contacts`` of them), else None.

    A contact whose foot was hidden at IC gets this class, flagged ``strike_inferred``:
    runners repeat their pattern stride to stride, so the foot's usual class is a far
    better guess than none, and the flag keeps measured and inferred apart.
    """
    classes = [strike_class(a) for a in angles if np.isfinite(a)]
    if len(classes) < min_contacts:
        return None
    best = max(set(classes), key=classes.count)
    return best if classes.count(best) >= min_share * len(classes) else None


def _video_frame(tracks: LandmarkTracks, row: float) -> float:
    """Fractional track row → fractional source-video frame number."""
    i = int(np.clip(np.floor(row), 0, tracks.n_frames - 1))
    j = min(i + 1, tracks.n_frames - 1)
    fi = tracks.frame_index
    return float(fi[i] + (row - i) * (fi[j] - fi[i]))


def frontal_strides(tracks: LandmarkTracks) -> list[Stance]:
    """Step markers for front/back views, where heel-forward cues are not visible.

    The hip midpoint is lowest once per step (mid-stance); alternating markers are
    labelled left/right arbitrarily (the stance side is not resolved from the front), so
    only side-agnostic metrics (cadence, crossover per stride) use them.
    """
    y = np.nanmean(tracks.image[:, [LM["left_hip"], LM["right_hip"]], 1], axis=1)
    ok = np.isfinite(y)
    if ok.sum() < 10:
        return []
    idx = np.arange(len(y))
    y = np.interp(idx, idx[ok], y[ok])
    fps = tracks.fps
    peaks, _ = find_peaks(y, distance=max(2, int(0.22 * fps)),
                          prominence=0.1 * np.nanstd(y) + 1e-9)
    return [Stance("left" if k % 2 == 0 else "right", float(p), np.nan,
                   float(tracks.time_s[p]), np.nan, 0.6) for k, p in enumerate(peaks)]


def analyze_tracks(tracks: LandmarkTracks, options: AnalysisOptions | None = None) -> Analysis:
    """Scene, cleaning, events and every metric for one subject.

    Parameters
    ----------
    tracks : LandmarkTracks
        Raw tracks from the pose backend (or the synthesiser).
    options : AnalysisOptions, optional
        Overrides and body height.
    """
    options = options or AnalysisOptions()
    scene = understand_scene(tracks).with_overrides(options.view, options.setting)
    cleaned = clean_tracks(tracks)
    warnings: list[dict[str, str]] = list(cleaned.report.get("warnings", []))
    base = float(np.clip(scene.view_confidence, 0.3, 1.0))
    events: GaitEvents | None = None
    activity, activity_conf = None, 0.0
    metrics: dict[str, Metric] = {}
    contacts: list[dict[str, Any]] = []
    toe_offs: list[dict[str, Any]] = []
    frame_info: dict[str, Any] = {}
    if scene.view in ("side", "oblique") and scene.facing:
        # The event detector does its own swap relabelling and smoothing on the raw
        # tracks; the metrics use the cleaned ones.
        events = detect_gait_events(tracks, scene.facing)
        if events.activity == "walk":
            cleaned = clean_tracks(tracks, "walk")
        activity, activity_conf = events.activity, events.activity_confidence
        stances = pair_stances(list(events.contacts), list(events.toe_offs))
        metrics |= temporal(stances, base)
        # A foot filled in around contact (occluded, swapped or misplaced by the pose
        # model) is left unclassified rather than guessed.
        sag, info = sagittal_metrics(cleaned.tracks, scene.facing, scene.near_side, stances,
                                     options.height_cm, base * (0.6 if scene.view == "oblique"
                                                                else 1.0),
                                     filled=cleaned.interpolated)
        metrics |= sag
        frame_info = info["frame"]
        counters = {"left": 0, "right": 0}
        usual = {s: _usual_strike(info["per_side"]["foot"][s]) for s in ("left", "right")}
        for st in stances:
            k = counters[st.side]
            counters[st.side] += 1
            angle = info["per_side"]["foot"][st.side][k]
            measured = bool(np.isfinite(angle))
            contacts.append({"time_s": round(st.ic_s, 4),
                             "frame": round(_video_frame(cleaned.tracks, st.ic), 2),
                             "side": st.side,
                             "strike": strike_class(angle) if measured else usual[st.side],
                             "strike_inferred": not measured and usual[st.side] is not None,
                             "foot_angle_deg": round(angle, 2) if measured else None,
                             "confidence": round(st.confidence, 3)})
        toe_offs = [{"time_s": round(e.time_s, 4),
                     "frame": round(_video_frame(cleaned.tracks, e.frame), 2),
                     "side": e.side, "confidence": round(e.confidence, 3)}
                    for e in events.toe_offs]
        for w in events.warnings:
            warnings.append({"code": "events", "message": w})
    elif scene.view in ("front", "back"):
        steps = frontal_strides(cleaned.tracks)
        metrics |= frontal_metrics(cleaned.tracks, scene.view, steps, base)
        cadence = temporal(steps, 0.6)["cadence_spm"]
        metrics["cadence_spm"] = cadence
        for key, unit in (("ground_contact_ms", "ms"), ("foot_strike", "deg"),
                          ("trunk_lean_deg", "deg"), ("head_forward_deg", "deg")):
            metrics[key] = not_measurable(key, unit, ("side",), "needs a side view")
    else:
        warnings.append({"code": "view_unknown", "message": "The camera view could not be "
                         "recognised; film the runner from the side for a full analysis."})
    si = asymmetry(metrics)
    text = findings(metrics, si, activity, scene.view if scene.view != "oblique" else "side")
    return Analysis(scene, cleaned.report, events, activity, activity_conf, metrics, si, text,
                    contacts, toe_offs, warnings, frame_info)
