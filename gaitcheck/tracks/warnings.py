"""How much each data-quality warning should lower trust in the results: its severity.

Every warning of ``report.json`` (``quality.warnings``) is ``{code, severity, message}``
with one of three severities:

``info``
    Expected or benign; the headline metrics are as trustworthy as without it (the
    far-side arm hidden in a side view, a frame stride that still times events finely).
``caution``
    Some metrics are less trustworthy (few strides, coarse timing, gaps, other people in
    view, a dark, blurred or damaged video...).
``serious``
    The headline numbers are likely wrong or were withheld (view not recognised, subject
    not upright, implausible values, no pose, no gait events).

This module is the one place that decides: :data:`SEVERITY` (per code, with its reason;
gait events raise coded :class:`~gaitcheck.events.EventWarning`) and the context rules
of :func:`warning_severity` (limb visibility and unfilled gaps depend on which side is
near the camera). The message never decides: rewording it cannot change a severity. An
unknown code, or a warning without severity (a report written before schema 1.4),
counts as ``caution``; gait-event messages of reports written before they had codes are
read through :data:`LEGACY_EVENT_CODES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

INFO, CAUTION, SERIOUS = "info", "caution", "serious"
#: Every severity, worst first (the order of the HTML report and the terminal).
SEVERITIES = (SERIOUS, CAUTION, INFO)
#: Severity of unknown codes and of warnings saved without one.
DEFAULT_SEVERITY = CAUTION
#: Share of the unfilled landmark positions that must lie in far-side limbs for the
#: ``unfilled_gaps`` warning to be ``info``.
FAR_LIMB_SHARE = 0.9
#: Body parts (:data:`gaitcheck.landmarks.BODY_PARTS`) that are limbs of one side.
LIMBS = ("arm", "leg", "foot")
LOW_VISIBILITY = "low_visibility_"

#: Severity per warning code; codes marked "context" are refined by
#: :func:`warning_severity` and this is their value when the view is unknown.
SEVERITY: Mapping[str, str] = MappingProxyType({
    # The input video (gaitcheck.tracks.quality)
    "video_truncated": CAUTION,       # fewer frames than the file declares were analysed
    "video_damaged": CAUTION,         # frames skipped: no gait event inside the gaps
    "too_few_frames": SERIOUS,        # too short for any stride: nothing is measured
    "dark_video": CAUTION,            # the pose model is less reliable in the dark
    "dark_video_corrected": CAUTION,  # brightened for pose; shadows clipped to black stay lost
    "blurry_video": CAUTION,          # blurred landmarks are less precise
    "frame_stride": CAUTION,          # context: info while the analysed rate >= MIN_FPS
    "low_pose_coverage": CAUTION,     # results rest on fewer frames
    "subject_out_of_frame": CAUTION,  # landmarks outside the image are guessed
    "other_people": CAUTION,          # the follower may have taken the wrong person
    "short_clip": CAUTION,            # few strides: averages are unstable
    "low_frame_rate": CAUTION,        # contact and flight times only good to > ±20 ms
    "variable_frame_rate": INFO,      # handled: every frame's real timestamp is used
    # low_visibility_<part>: context, see _visibility_severity
    # Cleaning (gaitcheck.tracks.clean)
    "no_pose": SERIOUS,               # no usable pose at all
    "too_short_to_filter": CAUTION,   # unfiltered landmarks are noisier
    "unfilled_gaps": CAUTION,         # context: info when nearly all in far-side limbs
    "many_swaps": CAUTION,            # frequent left/right repairs: side results less sure
    "body_cut_by_edge": INFO,         # those frames are left out, as they should be
    "implausible_pose": INFO,         # those frames are left out (or filled if short)
    # Analysis (gaitcheck.analysis)
    "subject_not_upright": SERIOUS,   # turned video or failed pose: nothing is measured
    "view_unknown": SERIOUS,          # no view, so no view-specific metric
    "few_strides": CAUTION,           # averages over < 4 strides are unstable
    "back_view_events_unsure": INFO,  # back view: no contact/flight time, as before
    "subject_turns_mirrored": INFO,   # the return leg analysed mirrored, the turn left out
    "implausible_metrics": SERIOUS,   # headline values withheld: pose, view or clock wrong
    # Gait events (gaitcheck.events.EVENT_CODES)
    "too_few_frames_for_events": SERIOUS,  # no events at all
    "no_legs": SERIOUS,                # no events at all
    "no_events": SERIOUS,              # no temporal metric is reported
    "slowmo_suspected": SERIOUS,       # every time is off by a factor
    "cadence_impossible": SERIOUS,     # impossible cadence: the clock is wrong
    "legs_swapped": INFO,              # repaired by continuity
    "subject_turns": INFO,             # the turn is left out, as it should be
    "not_side_on": CAUTION,            # no events where the feet are foreshortened
    "facing_contradicted": CAUTION,    # the feet decided; the user's input was wrong
    "time_gaps": CAUTION,              # no event across missing frames
    "no_regular_stepping": CAUTION,    # a stretch without events
    "contacts_missed": CAUTION,        # fewer contacts, cadence still counts the steps
    "too_few_contacts": CAUTION,       # a stretch without events
    "activity_contradicted": CAUTION,  # the user said run, the feet say walk (or back)
    # Reports before gait-event codes stored every event message under "events".
    "events": CAUTION,
})

#: Reading reports written before gait-event warnings had codes (schema <= 1.4): their
#: messages, by their start in lower case, and the code they have now. Frozen: those
#: messages are in files already; new messages get a code where they are raised.
LEGACY_EVENT_CODES: tuple[tuple[str, str], ...] = (
    ("too few frames to find gait events", "too_few_frames_for_events"),
    ("no legs were found", "no_legs"),
    ("no reliable gait events", "no_events"),
    ("the clip looks like slow motion", "slowmo_suspected"),
    ("the motion looks too slow for real time", "slowmo_suspected"),  # the HTML's wording
    ("a cadence of", "cadence_impossible"),
    ("the pose model exchanged the left and right legs", "legs_swapped"),
    ("the subject turns between", "subject_turns"),
)


@dataclass(frozen=True)
class WarningContext:
    """What some severities depend on, known once the scene is understood.

    Attributes
    ----------
    view : str, optional
        "side", "oblique", "front", "back" or "unknown" (:class:`~gaitcheck.tracks.scene.Scene`).
    near_side : {"left", "right"}, optional
        The subject's side nearer the camera in a side or oblique view.
    unfilled_by_part : mapping, optional
        Landmark positions left missing by the cleaning, per body part
        (``unfilled_by_part`` of the cleaning report).
    analysed_fps : float, optional
        Real-time frame rate analysed (after any frame stride), frames/s.
    """

    view: str | None = None
    near_side: str | None = None
    unfilled_by_part: Mapping[str, int] | None = None
    analysed_fps: float | None = None

    @property
    def far_side(self) -> str | None:
        """The side away from the camera in a side or oblique view, else None."""
        if self.view in ("side", "oblique") and self.near_side in ("left", "right"):
            return "right" if self.near_side == "left" else "left"
        return None


def warning_severity(code: str, context: WarningContext | None = None,
                     message: str = "") -> str:
    """Severity of one warning.

    Parameters
    ----------
    code : str
        The warning's machine code.
    context : WarningContext, optional
        View, near side, unfilled gaps and frame rate; without it the context-dependent
        codes get their cautious value.
    message : str
        Read only for a gait-event warning of an older report, stored under the code
        ``events`` (:data:`LEGACY_EVENT_CODES`).

    Returns
    -------
    str
        "info", "caution" or "serious" (:data:`DEFAULT_SEVERITY` for unknown codes).
    """
    context = context or WarningContext()
    if code.startswith(LOW_VISIBILITY):
        return _visibility_severity(code.removeprefix(LOW_VISIBILITY), context)
    if code == "unfilled_gaps":
        return INFO if far_limb_share(context) >= FAR_LIMB_SHARE else CAUTION
    if code == "frame_stride":
        from gaitcheck.tracks.quality import MIN_FPS

        fps = context.analysed_fps
        return INFO if fps is not None and fps >= MIN_FPS else CAUTION
    if code == "events":
        code = legacy_event_code(message)
    return SEVERITY.get(code, DEFAULT_SEVERITY)


def _visibility_severity(part: str, context: WarningContext) -> str:
    """Decide the severity of a poorly visible body part.

    A poorly visible far-side limb in a side or oblique view is expected (the body
    hides it, and the metrics that use it already get low confidence): ``info``. The
    near side, the head or torso, or any part in a front/back view: ``caution``.
    """
    far = context.far_side
    return INFO if far is not None and part in {f"{far}_{limb}" for limb in LIMBS} else CAUTION


def far_limb_share(context: WarningContext) -> float:
    """Share of the unfilled positions that lie in far-side limbs.

    Share (0..1) of the unfilled landmark positions that lie in far-side limbs; 0
    without a far side or a per-part count.
    """
    counts, far = context.unfilled_by_part or {}, context.far_side
    total = sum(counts.values())
    if far is None or total <= 0:
        return 0.0
    return sum(n for part, n in counts.items() if part.startswith(f"{far}_")
               and part.removeprefix(f"{far}_") in LIMBS) / total


def legacy_event_code(message: str) -> str:
    """Map a gait-event message of an older report to its code.

    The code of a gait-event message from a report written before event warnings had
    codes (:data:`LEGACY_EVENT_CODES`), else ``"events"`` (``caution``).
    """
    text = message.strip().lower()
    return next((code for start, code in LEGACY_EVENT_CODES if text.startswith(start)),
                "events")


def severity_of(warning: Mapping[str, Any] | str) -> str:
    """Return the severity of a stored warning.

    The severity of a stored warning: a dict of ``report.json``, or a plain-string
    gait-event message of ``events.warnings`` (read through :func:`legacy_event_code`).

    A dict without a valid severity (reports written before schema 1.4) counts as
    :data:`DEFAULT_SEVERITY` ("caution"), whatever its code: it was written before
    anyone decided it was benign.
    """
    if isinstance(warning, str):
        return SEVERITY.get(legacy_event_code(warning), DEFAULT_SEVERITY)
    severity = warning.get("severity")
    return severity if severity in SEVERITIES else DEFAULT_SEVERITY


def with_severity(warnings: Iterable[Mapping[str, Any]],
                  context: WarningContext | None = None) -> list[dict[str, Any]]:
    """Give stored warnings the severity decided in a context.

    Copies of ``warnings`` as ``{code, severity, message}`` (other keys kept) with the
    severity decided in ``context``; an ``info`` far-side limb or gap warning says why.
    Calling it again on its output with the same context changes nothing.
    """
    out = []
    for w in warnings:
        code, message = str(w.get("code", "")), str(w.get("message", ""))
        severity = warning_severity(code, context, message)
        note = _why(code, severity, context or WarningContext())
        if note and note not in message:
            message = f"{message.rstrip()} {note}"
        out.append({"code": code, "severity": severity, "message": message}
                   | {k: v for k, v in w.items() if k not in ("code", "severity", "message")})
    return out


def _why(code: str, severity: str, context: WarningContext) -> str:
    """Explain why a limb or gap warning of a side view is (or is not) expected.

    The sentence that says why a limb or gap warning of a side view is (or is not)
    expected, or ''.
    """
    far = context.far_side
    if far is None:
        return ""
    if code.startswith(LOW_VISIBILITY):
        if severity == INFO:
            return "This is usual for the far-side limb in a side view."
        near = code.removeprefix(LOW_VISIBILITY).startswith(f"{context.near_side}_")
        return "It is on the side nearer the camera, which should be well visible." if (
            near) else ""
    if severity != INFO:
        return ""
    if code == "unfilled_gaps":
        share = far_limb_share(context)
        where = "They are all" if share >= 0.995 else f"{share:.0%} of them are"
        return f"{where} in the far-side ({context.far_side}) limbs, as is usual in a side view."
    return ""


def rank(warning: Mapping[str, Any] | str) -> int:
    """Sort key: 0 for serious, 1 for caution, 2 for info."""
    return SEVERITIES.index(severity_of(warning))

