"""From landmark tracks to every metric: scene, cleaning, gait events, metrics, findings.

Pure: no I/O. :func:`analyze_tracks` is what ``gaitcheck analyze`` runs after pose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.events import DEFAULT_EVENT_SETTINGS, EventSettings, GaitEvents, detect_gait_events
from gaitcheck.events.activity_evidence import activity_evidence
from gaitcheck.events.frontal import (
    MIN_PELVIS_AGREEMENT,
    detect_frontal_events,
    pelvis_agreement,
)
from gaitcheck.events.hip_steps import frontal_strides
from gaitcheck.events.slowmo_auto import suspected_factor
from gaitcheck.events.steps import split_at_missed_contacts
from gaitcheck.landmarks import LM
from gaitcheck.metrics.analyze import (
    frontal_metrics,
    pair_stances,
    temporal,
)
from gaitcheck.metrics.checks import plausibility_check, stride_count_check
from gaitcheck.metrics.context import FindingContext, judged_bands
from gaitcheck.metrics.definitions import REGISTRY
from gaitcheck.metrics.findings import bands_for, findings
from gaitcheck.metrics.formulas import strike_class
from gaitcheck.metrics.frames import levelled
from gaitcheck.metrics.result import Metric, not_measurable
from gaitcheck.metrics.sagittal import sagittal_metrics
from gaitcheck.metrics.symmetry import asymmetry, seen_timing, stances_seen
from gaitcheck.metrics.uncertainty import with_uncertainty
from gaitcheck.sides import SIDES
from gaitcheck.tracks.clean import clean_tracks
from gaitcheck.tracks.facing import face_one_way
from gaitcheck.tracks.quality import dark_clip_confidence
from gaitcheck.tracks.scene import UPRIGHT_MAX_DEG, Scene, understand_scene
from gaitcheck.tracks.settings import DEFAULT_CLEANING_SETTINGS, CleaningSettings
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.tracks.warnings import WarningContext, with_severity


@dataclass(frozen=True)
class RecordingFacts:
    """What the user states about the recording and the runner.

    Not how to analyse it: those are :class:`gaitcheck.pipeline.AnalyzeOptions`.

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
    cleaned_tracks: LandmarkTracks | None = field(default=None, repr=False)
    #: What the warning severities were decided in (view, near side, unfilled gaps): the
    #: pipeline settles the data-quality warnings' severities in the same context.
    warning_context: WarningContext = field(default_factory=WarningContext)
    #: The algorithm settings used (``analysis.parameters`` of report.json).
    event_settings: EventSettings = DEFAULT_EVENT_SETTINGS
    cleaning_settings: CleaningSettings = DEFAULT_CLEANING_SETTINGS
    #: Activity, view and suspected slow motion the findings were judged in.
    context: FindingContext | None = None
    #: What the activity rests on (flight phase, duty factor).
    activity_evidence: dict[str, Any] = field(default_factory=dict)

    def report_sections(self) -> dict[str, Any]:
        """Return the ``report.json`` sections this analysis fills, by top-level key."""
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
                         "confidence": round(self.activity_confidence, 3),
                         "evidence": self.activity_evidence},
            "events": {"contacts": self.contacts, "toe_offs": self.toe_offs,
                       # Messages only, as before codes (they are in
                       # analysis.warnings with code and severity).
                       "warnings": [w.message for w in self.events.warnings]
                       if self.events else [],
                       "slowmo_factor_suggested": self.events.slowmo_factor_suggested
                       if self.events else None},
            "metrics": metrics,
            "reference_bands": judged_bands(bands_for(
                self.metrics, self.context.band_activity), self.context) if self.context
            else bands_for(self.metrics, self.activity),
            "findings": self.findings,
            "findings_context": self.context.to_dict() if self.context else None,
            "analysis": {"cleaning": self.cleaning, "frame": self.frame_info,
                         "warnings": self.warnings,
                         "parameters": {"events": self.event_settings.to_dict(),
                                        "cleaning": self.cleaning_settings.to_dict()}},
        }


def _usual_strike(angles: list[float], min_contacts: int = 4,
                  min_share: float = 0.8) -> str | None:
    """Return the strike class of at least ``min_share`` of a foot's measured contacts.

    None with fewer than ``min_contacts`` measured contacts or without such a majority.

    A contact whose foot was hidden at IC gets this class, flagged ``strike_inferred``:
    runners repeat their pattern stride to stride, so the foot's usual class is a far
    better guess than none, and the flag keeps measured and inferred apart.
    """
    classes = [str(strike_class(a)) for a in angles if np.isfinite(a)]
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


def analyze_tracks(tracks: LandmarkTracks, facts: RecordingFacts | None = None, *,
                   event_settings: EventSettings | None = None,
                   cleaning_settings: CleaningSettings | None = None) -> Analysis:
    """Scene, cleaning, events and every metric for one subject.

    Parameters
    ----------
    tracks : LandmarkTracks
        Raw tracks from the pose backend (or the synthesiser).
    facts : RecordingFacts, optional
        View and setting overrides, body height.
    event_settings : EventSettings, optional
        Gait-event detection settings; the validated defaults when omitted.
    cleaning_settings : CleaningSettings, optional
        Track-cleaning settings; the validated defaults when omitted.

    Notes
    -----
    Both settings are recorded in :meth:`Analysis.report_sections` under
    ``analysis.parameters``, so a report says how it was made.
    """
    facts = facts or RecordingFacts()
    event_settings = event_settings or DEFAULT_EVENT_SETTINGS
    cleaning_settings = cleaning_settings or DEFAULT_CLEANING_SETTINGS
    scene = understand_scene(tracks)
    tilt = scene.evidence.get("tilt_deg")
    tilted = tilt is not None and abs(tilt) > UPRIGHT_MAX_DEG
    if not tilted:  # a turned video stays unanalysed whatever view the user names
        scene = scene.with_overrides(facts.view, facts.setting)
    cleaned = clean_tracks(tracks, settings=cleaning_settings)
    # What the report draws (skeleton, face blur, foot crops) stays in the video's own
    # coordinates, also when the metrics are read on tracks made to face one way.
    drawn = cleaned
    warnings: list[dict[str, str]] = list(cleaned.report.get("warnings", []))
    if tilted:
        warnings.append({"code": "subject_not_upright", "message": f"The runner's trunk "
                         f"comes out turned by about {tilt:.0f}° from upright: either the "
                         "video is turned (its rotation is missing or wrong: rotate it "
                         "upright and analyse it again) or the pose model failed on it "
                         "(see the other warnings). Nothing was measured."})
    base = float(np.clip(scene.view_confidence, 0.3, 1.0))
    events: GaitEvents | None = None
    activity, activity_conf = None, 0.0
    activity_ev: dict[str, Any] = {}
    metrics: dict[str, Metric] = {}
    contacts: list[dict[str, Any]] = []
    toe_offs: list[dict[str, Any]] = []
    frame_info: dict[str, Any] = {}
    seen_values: dict[str, dict[str, list[float]]] | None = None
    if scene.view in ("side", "oblique") and scene.facing:
        # The event detector does its own swap relabelling and smoothing on the raw
        # tracks; the metrics use the cleaned ones.
        # Levelled by the scene's roll: foot heights are read along the true vertical.
        facing: str = scene.facing
        events = detect_gait_events(levelled(tracks), facing, settings=event_settings)
        side_tracks = tracks
        one_way = face_one_way(tracks, events.segments)
        if one_way is not None:
            # The subject turns round: the return is mirrored to face the same way, so
            # "forward" means forward on both legs of the trip (tracks/facing.py).
            side_tracks, facing = one_way.tracks, one_way.facing
            scene = dataclasses.replace(scene, facing=one_way.facing, near_side=None,
                                        near_side_confidence=0.0)
            events = detect_gait_events(side_tracks, one_way.facing, settings=event_settings)
            cleaned = clean_tracks(side_tracks, settings=cleaning_settings)
            warnings.append({"code": "subject_turns_mirrored", "message": f"The subject "
                             f"turns round: the {one_way.mirrored_frames} frames facing the "
                             f"other way were analysed mirrored (all as facing "
                             f"{one_way.facing}), the {one_way.dropped_frames} frames of "
                             "the turn itself were left out, and the leg nearer the camera "
                             "changes at the turn."})
        if events.activity == "walk":
            cleaned = clean_tracks(side_tracks, "walk", settings=cleaning_settings)
            drawn = (cleaned if one_way is None
                     else clean_tracks(tracks, "walk", settings=cleaning_settings))
        # Flight/double support and the duty factor must agree, and the pelvis path must
        # not contradict them (events/activity_evidence).
        hip_y = cleaned.tracks.xy_px()[:, [LM["left_hip"], LM["right_hip"]], 1].mean(axis=1)
        activity, activity_conf, activity_ev = activity_evidence(events, hip_y)
        stances = pair_stances(list(events.contacts), list(events.toe_offs),
                               events.segment_of)
        # Issue 13: steps only between consecutive detected contacts. A missed contact
        # splits the segment (gaitcheck.events.steps); a contact with both neighbours
        # missed is listed but measures nothing (no step, and no stride where both legs
        # were seen, so it would only skew the left-right comparison).
        stances, run_sizes = split_at_missed_contacts(stances)
        in_runs = [st for st in stances if run_sizes[st.segment] >= 2]
        metrics |= temporal(in_runs, base)
        seen_values = seen_timing(in_runs, stances_seen(cleaned.tracks, cleaned.interpolated,
                                                        in_runs))
        # A foot filled in around contact (occluded, swapped or misplaced by the pose
        # model) is left unclassified rather than guessed.
        sag, info = sagittal_metrics(cleaned.tracks, facing, scene.near_side, in_runs,
                                     facts.height_cm, base * (0.6 if scene.view == "oblique"
                                                                else 1.0),
                                     filled=cleaned.interpolated)
        metrics |= sag
        frame_info = info["frame"]
        if one_way is not None:  # per-frame angles are read on the same one-way tracks
            frame_info = frame_info | {"one_way": one_way.to_dict()}
        counters = {"left": 0, "right": 0}
        usual = {s: _usual_strike(info["per_side"]["foot_strike"][s]) for s in SIDES}
        for st in stances:
            angle = np.nan  # lone contacts (not measured) are listed without an angle
            if run_sizes[st.segment] >= 2:
                angle = info["per_side"]["foot_strike"][st.side][counters[st.side]]
                counters[st.side] += 1
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
        warnings += [w.to_dict() for w in events.warnings
                     # a walking pelvis path refutes "a running cadence slowed down"
                     if not (w.code == "slowmo_suspected" and activity is None
                             and activity_ev.get("pelvis", {}).get("activity") == "walk"
                             and suspected_factor(events, None) is None)]
    elif scene.view == "back" and pelvis_agreement(
            back := detect_frontal_events(levelled(tracks), "back", settings=event_settings),
            cleaned.tracks) >= MIN_PELVIS_AGREEMENT:
        # Both legs in view: contacts and toe-offs of each foot (events/frontal.py),
        # used when the pelvis confirms their phase.
        events = back
        activity, activity_conf, activity_ev = activity_evidence(events)
        stances = pair_stances(list(events.contacts), list(events.toe_offs),
                               events.segment_of)
        stances, run_sizes = split_at_missed_contacts(stances)
        in_runs = [st for st in stances if run_sizes[st.segment] >= 2]
        metrics |= temporal(in_runs, base)
        metrics |= frontal_metrics(cleaned.tracks, scene.view, in_runs, base)
        for key in ("foot_strike", "trunk_lean_deg", "head_forward_deg"):
            entry = REGISTRY[key]
            metrics[key] = not_measurable(key, entry.units[0], entry.valid_views,
                                          "needs a side view")
        contacts = [{"time_s": round(st.ic_s, 4),
                     "frame": round(_video_frame(cleaned.tracks, st.ic), 2),
                     "side": st.side, "strike": None, "strike_inferred": False,
                     "foot_angle_deg": None, "confidence": round(st.confidence, 3)}
                    for st in stances]
        toe_offs = [{"time_s": round(e.time_s, 4),
                     "frame": round(_video_frame(cleaned.tracks, e.frame), 2),
                     "side": e.side, "confidence": round(e.confidence, 3)}
                    for e in events.toe_offs]
        warnings += [w.to_dict() for w in events.warnings]
    elif scene.view in ("front", "back"):
        if scene.view == "back":
            warnings.append({"code": "back_view_events_unsure", "message": "The feet's "
                             "contacts and toe-offs could not be confirmed in this back "
                             "view (the pelvis is not lowest inside the stances found): "
                             "contact and flight time are not reported; film from the "
                             "side, or from behind at 60 fps with the feet well lit."})
        steps = frontal_strides(cleaned.tracks)
        metrics |= frontal_metrics(cleaned.tracks, scene.view, steps, base)
        cadence = temporal(steps, 0.6)["cadence_spm"]
        metrics["cadence_spm"] = cadence
        for key in ("ground_contact_ms", "foot_strike", "trunk_lean_deg", "head_forward_deg"):
            entry = REGISTRY[key]
            metrics[key] = not_measurable(key, entry.units[0], entry.valid_views,
                                          "needs a side view")
    elif not tilted:
        warnings.append({"code": "view_unknown", "message": "The camera view could not be "
                         "recognised; film the runner from the side for a full analysis."})
    if events is not None:
        metrics = stride_count_check(metrics, len(contacts), warnings)
    metrics = plausibility_check(metrics, warnings,
                                  events.slowmo_factor_suggested if events else None)
    metrics = dark_clip_confidence(metrics, tracks.source)  # limbs lost in black shadows
    metrics = with_uncertainty(metrics, tracks.fps if tracks.n_frames > 1 else None)
    si = asymmetry(metrics, scene.view, tracks.fps if tracks.n_frames > 1 else None,
                   seen_values)
    judged = FindingContext(activity, activity_conf, scene.view,
                            suspected_factor(events, activity))
    text = findings(metrics, si, judged.band_activity,
                    scene.view if scene.view != "oblique" else "side", scene.near_side,
                    context=judged)
    # Severities need the view (a far-side limb is expected to be poorly visible).
    context = WarningContext(scene.view, scene.near_side,
                             dict(cleaned.report.get("unfilled_by_part") or {}),
                             tracks.fps if tracks.n_frames > 1 else None)
    report = cleaned.report | {"warnings": with_severity(cleaned.report.get("warnings", []),
                                                         context)}
    return Analysis(scene, report, events, activity, activity_conf, metrics, si, text,
                    contacts, toe_offs, with_severity(warnings, context), frame_info,
                    drawn.tracks, context, event_settings, cleaning_settings, judged,
                    activity_ev)
