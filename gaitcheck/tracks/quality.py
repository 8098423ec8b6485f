"""Data-quality summary of landmark tracks: coverage, visibility per body part, warnings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.landmarks import BODY_PARTS
from gaitcheck.tracks.runs import true_runs
from gaitcheck.tracks.tracks import LandmarkTracks
from gaitcheck.tracks.warnings import WarningContext, warning_severity, with_severity

if TYPE_CHECKING:
    from gaitcheck.metrics.result import Metric

#: Share of the picture clipped to black (``source["exposure"]["black_share"]``) from
#: which a corrected dark clip is said to have lost limbs in shadow: the suite's dimmed
#: clips 0.31 (real and rendered), normal clips under 0.01 (black padding counts too, but a
#: padded clip is not dark, so it is not corrected).
LOST_BLACK_SHARE = 0.1
#: Confidence cap of the pose-derived metrics of such a clip: on the dimmed real clip
#: trunk lean, knee at contact and contact time changed by 3–4× their consistency
#: targets (7°, 9°, 3 frames), while cadence and step time, which only count steps,
#: held (−0.4 steps/min) and keep theirs.
DARK_CONFIDENCE = 0.5
_DARK_ROBUST = ("cadence_spm", "step_time_ms")

MIN_COVERAGE = 0.90          # below this, gaps dominate the analysis
MIN_PART_VISIBILITY = 0.5    # MediaPipe visibility; below it a part is mostly guessed
MIN_DURATION_S = 6.0         # about eight running strides
MIN_FPS = 25.0               # below it contact time is only good to > 40 ms
MIN_FRAMES = 10              # below it no stride fits (a third of a second at 30 fps)


@dataclass(frozen=True)
class QualityWarning:
    """A data-quality warning.

    A stable machine code, a plain-language message and a severity ("info", "caution" or
    "serious"; None = from the code alone, see
    :func:`gaitcheck.tracks.warnings.warning_severity`).
    """

    code: str
    message: str
    severity: str | None = None

    def to_dict(self) -> dict[str, str]:
        """``{code, severity, message}``, the form of ``report.json``."""
        return {"code": self.code, "severity": self.severity or warning_severity(self.code),
                "message": self.message}


def assess_quality(
    tracks: LandmarkTracks,
    truncated: bool = False,
    frames_with_others: int = 0,
) -> dict[str, Any]:
    """Summarise how trustworthy the tracks are.

    Parameters
    ----------
    tracks : LandmarkTracks
        The subject's tracks.
    truncated : bool
        The video stopped decoding before its declared end.
    frames_with_others : int
        Frames in which another person was detected.

    Returns
    -------
    dict
        ``frames``, ``frames_with_pose``, ``pose_coverage`` (0..1),
        ``longest_gap_s``, ``mean_visibility`` (per body part, 0..1, ``None`` if never
        seen), ``out_of_frame_fraction`` and ``warnings`` (list of {code, severity,
        message}). Severities that depend on the view (limb visibility) are the cautious
        ones here: :func:`gaitcheck.pipeline.build_result` settles them once the view is
        known (:func:`gaitcheck.tracks.warnings.with_severity`).
    """
    n = tracks.n_frames
    detected = tracks.detected
    n_pose = int(np.count_nonzero(detected))
    coverage = n_pose / n if n else 0.0
    vis = tracks.visibility()[detected]
    part_vis: dict[str, float | None] = {}
    for part, idx in BODY_PARTS.items():
        seen = vis[:, idx]  # None when never seen (no pose, or the part always missing)
        part_vis[part] = round(float(np.nanmean(seen)), 3) if np.isfinite(seen).any() else None
    xy = tracks.image[detected][:, :, :2]
    outside = ((xy < 0) | (xy > 1)).any(axis=2).mean(axis=1) if n_pose else np.zeros(0)
    out_frac = float(np.mean(outside > 0.15)) if n_pose else 0.0
    dt = np.diff(tracks.time_s)
    gap_frames = max((b - a for a, b in true_runs(~detected)), default=0)
    longest_gap_s = float(gap_frames / tracks.fps) if n > 1 else 0.0
    duration = float(tracks.time_s[-1] - tracks.time_s[0] + np.median(dt)) if n > 1 else 0.0

    warnings: list[QualityWarning] = []

    def warn(code: str, message: str) -> None:
        warnings.append(QualityWarning(code, message))

    decoding = tracks.source.get("decoding") or {}
    skipped = int(decoding.get("frames_skipped") or 0)
    if truncated and (decoding.get("stopped_early", True) or not skipped):
        warn("video_truncated", "The video stopped decoding before its declared end "
             f"(truncated or damaged file); analysed the {n} frames that could be read.")
    if skipped:
        at = decoding.get("first_error_s")
        warn("video_damaged", f"{skipped} frames could not be decoded (damaged file"
             + (f", from {at:.2f} s of the file" if at is not None else "") + "); they were "
             "skipped and no gait event is placed in the gaps.")
    if n < MIN_FRAMES:
        warn("too_few_frames", f"Only {n} frame{'s' if n != 1 else ''} could be analysed; "
             "gait events and metrics need a few seconds of video, so nothing is measured.")
    stats = tracks.source.get("image_stats") or {}
    if stats.get("dark"):
        warn("dark_video", f"The video is very dark (90 % of pixels below grey level "
             f"{stats['brightness_p90']:.0f} of 255); the pose model is less reliable, film "
             "in better light.")
    exposure = tracks.source.get("exposure") or {}
    if exposure.get("corrected"):
        black = exposure.get("black_share")
        lost = lost_in_shadow(tracks.source)
        warn("dark_video_corrected", f"The video is dark (90 % of pixels below grey level "
             f"{exposure['p90']:.0f} of 255): the pose model saw it brightened "
             f"({exposure['gain']:.1f}×); detail lost in black shadows stays lost, so film "
             "in better light." + (
                 f" {black:.0%} of the picture is pure black: a limb or a side of the body "
                 "in shadow merges with the background there, so leg angles, overstride "
                 "and contact times can be off by several degrees, percent or frames "
                 "(on a real treadmill clip dimmed like this: knee at contact +9°, trunk "
                 f"lean +7°, contact time +3 frames); their confidence is capped at "
                 f"{DARK_CONFIDENCE}." if lost else ""))
    if stats.get("blurry"):
        warn("blurry_video", "The video is very blurred (out of focus or motion blur); "
             "landmarks are less precise, use a faster shutter or focus on the runner.")
    sampling = _sampling(tracks)
    if sampling["stride"] > 1:
        warn("frame_stride", f"Stride {sampling['stride']} at {sampling['source_fps']:.0f} "
             f"fps: {sampling['analysed_fps']:.0f} fps analysed, event timing resolution "
             f"±{sampling['event_resolution_ms']:.0f} ms (contact and flight times are only "
             "as fine as the analysed frame interval).")
    if n_pose and coverage < MIN_COVERAGE:
        warn("low_pose_coverage", f"A person was found in only {coverage:.0%} of frames "
             f"(longest gap {longest_gap_s:.1f} s); results rest on fewer frames and get "
             "lower confidence.")
    for part, value in part_vis.items():
        if value is not None and value < MIN_PART_VISIBILITY:
            # Whether that is usual (the far-side limb in a side view) is said once the
            # view is known (gaitcheck.tracks.warnings).
            warn(f"low_visibility_{part}", f"The {part.replace('_', ' ')} is poorly visible "
                 f"(mean visibility {value:.2f}); measures that use it get low confidence.")
    if out_frac > 0.05:
        warn("subject_out_of_frame", f"Part of the body was outside the image in "
             f"{out_frac:.0%} of frames; keep the whole body, feet included, in view.")
    if frames_with_others:
        warn("other_people", f"Another person was detected in {frames_with_others} of {n} "
             f"frames; gaitcheck analysed {_subject_text(tracks)}: check in the annotated "
             "video that this is the person you filmed.")
    if n > 1 and duration < MIN_DURATION_S:
        warn("short_clip", f"The clip is only {duration:.1f} s long; record at least "
             f"{MIN_DURATION_S:.0f} s (10-15 s is better) for stable averages.")
    fps = tracks.fps
    if n > 1 and fps < MIN_FPS:
        warn("low_frame_rate", f"The frame rate is {fps:.0f} fps; event timing is only "
             f"good to about ±{1000 / fps:.0f} ms.")
    # Gaps left by undecodable frames are reported above, not as a variable frame rate.
    steady = dt[dt < 1.5 * np.median(dt)] if skipped and n > 2 else dt
    if n > 2 and len(steady) > 1 and np.ptp(steady) > 0.25 * np.median(steady):
        warn("variable_frame_rate", "The video has a variable frame rate; gaitcheck uses "
             "each frame's real timestamp.")
    return {
        "frames": n,
        "frames_with_pose": n_pose,
        "pose_coverage": round(coverage, 4),
        "longest_gap_s": round(longest_gap_s, 3),
        "duration_s": round(duration, 3),
        "effective_fps": round(fps, 3) if n > 1 else None,
        "mean_visibility": part_vis,
        "out_of_frame_fraction": round(out_frac, 4),
        "sampling": sampling,
        "warnings": with_severity([w.to_dict() for w in warnings],
                                  WarningContext(analysed_fps=sampling["analysed_fps"])),
    }


def _sampling(tracks: LandmarkTracks) -> dict[str, Any]:
    """Describe the frame stride and what it does to timing.

    Frame stride and what it does to timing: ``stride`` (every Nth frame analysed),
    ``source_fps`` and ``analysed_fps`` (real-time frames/s) and
    ``event_resolution_ms`` (± half the analysed frame interval, ms).
    """
    window = tracks.source.get("window") or {}
    stride = int(window.get("stride") or 1)
    analysed = tracks.fps if tracks.n_frames > 1 else tracks.video.capture_fps / stride
    source = tracks.video.capture_fps
    ok = bool(np.isfinite(analysed) and analysed > 0)
    return {"stride": stride, "requested_fps": window.get("analysis_fps"),
            "source_fps": round(float(source), 3) if np.isfinite(source) else None,
            "analysed_fps": round(float(analysed), 3) if ok else None,
            "event_resolution_ms": round(500.0 / analysed, 1) if ok else None}


def _subject_text(tracks: LandmarkTracks) -> str:
    """Who was analysed, from the pose pass's subject selection, in words."""
    subject = (tracks.source.get("subject_selection") or {}).get("subject") or {}
    if not subject:
        return "the person who walked or ran most clearly"
    x, y = subject["centre"]
    height = "upper" if y < 0.4 else "lower" if y > 0.6 else "middle"
    where = (f"crossing the {height} part of the picture" if subject.get("travel", 0) >= 0.5
             else f"mostly in the {height} {'left' if x < 0.4 else 'right' if x > 0.6 else ''}"
             " part of the picture".replace("  ", " "))
    return (f"the person who walked or ran most clearly (seen {subject['first_s']:.1f}-"
            f"{subject['last_s']:.1f} s, {where})")


def lost_in_shadow(source: dict[str, Any]) -> bool:
    """Whether the pose pass brightened a clip that is largely pure black.

    True when ``source["exposure"]`` (:mod:`gaitcheck.video.exposure`) records a
    correction and :data:`LOST_BLACK_SHARE` or more of the picture at grey level 0..2.
    """
    exposure = source.get("exposure") or {}
    black = exposure.get("black_share")
    return bool(exposure.get("corrected")) and black is not None and \
        black >= LOST_BLACK_SHARE


def dark_clip_confidence(metrics: dict[str, Metric], source: dict[str, Any]
                         ) -> dict[str, Metric]:
    """Cap the confidences of a clip that lost limbs in shadow.

    Every metric but cadence and step time is capped at :data:`DARK_CONFIDENCE` when
    :func:`lost_in_shadow` holds for ``source``; otherwise ``metrics`` itself is returned.
    """
    if not lost_in_shadow(source):
        return metrics
    return {k: m if k in _DARK_ROBUST or m.confidence is None else
            dataclasses.replace(m, confidence=min(m.confidence, DARK_CONFIDENCE))
            for k, m in metrics.items()}
