"""Gait events (initial contact, toe-off) of both feet from side-view landmark tracks.

Pipeline: pixel coordinates scaled by leg length → left/right leg-swap repair →
segments of continuous pose and one facing direction (gaps, subject entering or leaving,
turns) → per-foot candidate stances (:mod:`gaitcheck.events.stances`) → plausibility
rules and running/walking (:mod:`gaitcheck.events.rules`) → slow-motion check
(:mod:`gaitcheck.events.slowmo`). Pure functions: no I/O, no global state.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gaitcheck.events import rules
from gaitcheck.events.model import (
    EventSegment,
    EventWarning,
    GaitEvent,
    GaitEvents,
    RejectedEvent,
)
from gaitcheck.events.settings import DEFAULT_EVENT_SETTINGS, EventSettings
from gaitcheck.events.signals import (
    leg_length_px,
    pixel_coords,
    plan_segments,
    repair_leg_swaps,
)
from gaitcheck.events.slowmo import (
    NORMAL_CADENCE_SPM,
    slowmo_warning,
    suggest_slowmo_factor,
)
from gaitcheck.events.stances import Stance, anchor_calibrated, foot_signals, foot_stances
from gaitcheck.landmarks import toe_reach_for
from gaitcheck.tracks.tracks import LandmarkTracks


def detect_gait_events(tracks: LandmarkTracks, facing: str, activity: str | None = None,
                       *, settings: EventSettings | None = None) -> GaitEvents:
    """Detect the initial contacts and toe-offs of both feet in a side view.

    Parameters
    ----------
    tracks : LandmarkTracks
        One subject's landmarks (image ``x``, ``y`` normalised, ``y`` down); NaN rows
        where no pose. ``time_s`` may be non-uniform.
    facing : {"left", "right"}
        Image direction the subject faces (and runs, overground). Where the feet clearly
        point the other way for a while (a turn in a walking clip) that stretch is
        analysed with its own direction and the turn itself is left out, with a
        warning.
    activity : {"run", "walk"}, optional
        Hint for the plausibility bounds; the activity is still detected from the data
        and a disagreement is reported.
    settings : EventSettings, optional
        Gaps bridged, turn margins, plausibility rules and cue thresholds; the
        validated defaults when omitted.

    Returns
    -------
    GaitEvents
        Events in time order, with activity, warnings, segments, rejected candidates and
        a suggested slow-motion factor when the timing is impossible in real time.

    Notes
    -----
    Each IC and TO is the average of a *direct* estimate (IC: the heel, or toe, coming
    down onto its stance ground level, Fellin et al. 2010, J Sci Med Sport 13:646, or
    the foot being carried backwards at the belt/running speed; TO: the toe leaving the
    ground) and an *anchored* one (the Zeni et al. 2008, Gait Posture 27:710 extremum
    of the foot relative to the pelvis plus this subject's median anchor-to-event lag);
    a foot the pose model does not see well (visibility below 0.95, e.g. the far foot
    behind a treadmill console) leans on the anchored estimate. See
    :mod:`gaitcheck.events.stances`. Running or walking is told by the overlap of the
    two feet's stances, so it holds on a slowed-down clock too.
    """
    if facing not in ("left", "right"):
        raise ValueError(f"facing must be 'left' or 'right', got {facing!r}")
    if activity not in (None, "run", "walk"):
        raise ValueError(f"activity must be 'run', 'walk' or None, got {activity!r}")
    cfg = settings or DEFAULT_EVENT_SETTINGS
    legs = legs_for_events(tracks, cfg)
    if isinstance(legs, GaitEvents):
        return legs
    time_s, px, scale, warnings = legs.time_s, legs.px, legs.scale, legs.warnings
    fs, max_gap, min_len = legs.fs, legs.max_gap, legs.min_len
    plan = plan_segments(px, scale, time_s, facing, max_gap,
                         round(cfg.turn_margin_s * fs), min_len, cfg.facing_threshold)
    warnings += plan.warnings
    segments = split_at_time_gaps(plan.segments, time_s, cfg.max_gap_s + 1.0 / fs, min_len)
    if len(segments) > len(plan.segments):
        warnings.append(EventWarning(
            "time_gaps", "the video has gaps in time (frames missing from the file or "
            "skipped as damaged): no event is placed across them"))

    found: list[tuple[EventSegment, list[Stance]]] = []
    # Toe-off is read at the shoe tip, which the pose model's foot_index may fall short of.
    reach = toe_reach_for(tracks.source)
    vis = tracks.image[:, :, 3].astype(np.float64)
    for a, b, seg_facing in segments:
        feet, period = foot_signals(px[a:b], vis[a:b], scale, seg_facing, max_gap, cfg)
        seg = EventSegment(a, b, float(time_s[a]), float(time_s[b - 1]),
                           seg_facing)  # type: ignore[arg-type]
        if not np.isfinite(period):
            warnings.append(EventWarning(
                "no_regular_stepping", f"no regular stepping between {seg.start_s:.2f} s "
                f"and {seg.stop_s:.2f} s: no events there"))
            continue
        stances = [s for side, f in feet.items()
                   for s in foot_stances(f, side, period, a, cfg, toe_reach=reach)]
        found.append((seg, anchor_calibrated(stances, period, cfg)))
    return assemble(found, time_s, activity, warnings, tracks.video.slowmo, fs, cfg)


@dataclass(frozen=True)
class EventLegs:
    """The leg landmarks every event detector starts from (:func:`legs_for_events`).

    Attributes
    ----------
    time_s : numpy.ndarray, (T,)
        Frame times, s.
    px : numpy.ndarray, (T, 33, 2)
        Pixel coordinates, left/right leg swaps repaired by continuity.
    scale : float
        Leg length, px.
    warnings : list of EventWarning
        The warnings so far; detectors append theirs.
    fs : float
        Frame rate from the median frame interval, Hz.
    max_gap : int
        Longest run of missing frames bridged, frames (``cfg.max_gap_s``, at least 1).
    min_len : int
        Shortest analysable segment, frames (``cfg.min_segment_s``, at least 8).
    """

    time_s: np.ndarray
    px: np.ndarray
    scale: float
    warnings: list[EventWarning]
    fs: float
    max_gap: int
    min_len: int


def legs_for_events(tracks: LandmarkTracks, cfg: EventSettings) -> GaitEvents | EventLegs:
    """Prepare the leg landmarks every event detector starts from.

    Parameters
    ----------
    tracks : LandmarkTracks
    cfg : EventSettings
        Leg-swap repair costs.

    Returns
    -------
    GaitEvents or EventLegs
        Empty events with the reason when the clip has under 3 frames or no legs;
        otherwise the prepared legs and the frame counts the detectors share.
    """
    time_s = np.asarray(tracks.time_s, dtype=np.float64)
    if tracks.n_frames < 3:
        return GaitEvents(warnings=(EventWarning("too_few_frames_for_events",
                                                  "too few frames to find gait events"),))
    px = pixel_coords(tracks)
    scale = leg_length_px(px)
    if not np.isfinite(scale) or scale <= 0:
        return GaitEvents(warnings=(EventWarning(
            "no_legs", "no legs were found in the clip: no gait events"),))
    px, swapped = repair_leg_swaps(px, scale, cfg.leg_swap_switch_cost, cfg.leg_swap_prior)
    warnings: list[EventWarning] = []
    if swapped.any():
        n = int(swapped.sum())
        warnings.append(EventWarning(
            "legs_swapped", f"the pose model exchanged the left and right legs in {n} "
            f"frame{'s' if n != 1 else ''}; they were relabelled by continuity"))
    fs = 1.0 / float(np.median(np.diff(time_s)))
    return EventLegs(time_s, px, scale, warnings, fs, max(1, round(cfg.max_gap_s * fs)),
                     max(8, round(cfg.min_segment_s * fs)))


def split_at_time_gaps(segments: list[tuple[int, int, str]], time_s: np.ndarray,
                       max_step_s: float, min_len: int) -> list[tuple[int, int, str]]:
    """Split row segments at gaps in time.

    Split ``[start, stop)`` row segments where consecutive rows are more than
    ``max_step_s`` seconds apart (frames missing from the file, not just without a pose:
    a row gap is bridged by :func:`plan_segments`, a time gap is not), keeping the parts
    of at least ``min_len`` rows.
    """
    breaks = np.flatnonzero(np.diff(time_s) > max_step_s) + 1
    out = []
    for a, b, facing in segments:
        cuts = [a, *[int(k) for k in breaks if a < k < b], b]
        out += [(s, e, facing) for s, e in itertools.pairwise(cuts)
                if e - s >= min_len]
    return out


def assemble(found: list[tuple[EventSegment, list[Stance]]], time_s: np.ndarray,
              hint: str | None, warnings: list[EventWarning], slowmo: float,
              fs: float, cfg: EventSettings) -> GaitEvents:
    """Plausibility rules, activity and slow-motion check over all segments."""
    frame_s = 1.0 / fs
    all_stances = [s for _, st in found for s in st]
    step = rules.median_step_s(all_stances, time_s) if all_stances else float("nan")
    # A first, lenient pass (duty bounds of either activity) tells the activity and
    # whether the clock is slowed down: the overlap of the stances does not depend on
    # the clock, the cadence does.
    first = [rules.check_segment(st, time_s, None, step, settings=cfg) for _, st in found]
    detected, conf, _ = rules.classify_activity(
        [e for c in first for e in c.contacts], [e for c in first for e in c.toe_offs],
        frame_s)
    activity = hint or detected
    provisional = GaitEvents(tuple(e for c in first for e in c.contacts),
                             segments=tuple(seg for seg, _ in found))
    slowed = suggest_slowmo_factor(provisional.cadence_spm, activity) or 1
    checked = [rules.check_segment(st, time_s, activity, rules.median_step_s(st, time_s),
                                   slowed, cfg) for _, st in found]

    contacts: list[GaitEvent] = []
    toe_offs: list[GaitEvent] = []
    rejected: list[RejectedEvent] = []
    segments: list[EventSegment] = []
    for (seg, _), c in zip(found, checked, strict=True):
        rejected += c.rejected
        if len(c.contacts) < cfg.min_contacts:
            if c.contacts:
                warnings.append(EventWarning(
                    "too_few_contacts", f"only {len(c.contacts)} reliable contacts between "
                    f"{seg.start_s:.2f} s and {seg.stop_s:.2f} s: not reported"))
                rejected += [RejectedEvent(e, "too few reliable contacts in this stretch")
                             for e in c.contacts]
            continue
        segments.append(seg)
        contacts += c.contacts
        toe_offs += c.toe_offs
        warnings += c.warnings
    if not contacts:
        warnings.append(EventWarning(
            "no_events", "no reliable gait events: none are reported (is the subject "
            "walking or running side-on to the camera?)"))
        return GaitEvents(warnings=tuple(warnings), rejected=tuple(rejected))

    detected, conf, _ = rules.classify_activity(contacts, toe_offs, frame_s)
    if hint is not None and detected is not None and detected != hint and conf > 0.5:
        warnings.append(EventWarning(
            "activity_contradicted", f"activity given as {hint!r} but the feet show "
            f"{'a flight phase' if detected == 'run' else 'double support'} ({detected})"))
    events = GaitEvents(tuple(contacts), tuple(toe_offs), detected,
                        conf if detected else 0.0, (), None, tuple(segments), tuple(rejected))
    factor = suggest_slowmo_factor(events.cadence_spm, detected or hint)
    if factor is not None:
        contact_ms = [1000.0 * (to.time_s - ic.time_s) for ic, to in events.stance_phases()]
        warnings.append(slowmo_warning(events.cadence_spm,
                                       float(np.median(contact_ms)) if contact_ms
                                       else float("nan"), detected or hint, factor, slowmo))
    elif np.isfinite(events.cadence_spm) and (detected or hint):
        kind = detected or hint
        hi = NORMAL_CADENCE_SPM[kind][1]  # type: ignore[index]
        if events.cadence_spm > hi:
            warnings.append(EventWarning(
                "cadence_impossible", f"a cadence of {events.cadence_spm:.0f} steps/min is "
                f"above what is possible for {'running' if kind == 'run' else 'walking'} "
                f"(at most about {hi:.0f}): check the frame rate and the --slowmo setting"))
    return GaitEvents(events.contacts, events.toe_offs, events.activity,
                      events.activity_confidence, tuple(warnings),
                      float(factor) if factor else None, events.segments, events.rejected)
