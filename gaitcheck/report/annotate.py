"""The annotated video: the analysed frames with the skeleton, angles and gait events.

The analysis window of the source video is decoded again, frame by frame, and every
analysed frame (one per row of the tracks, matched by video frame number) is drawn on
and piped straight to the H.264 encoder, so memory does not grow with the video's length
and the output has exactly as many frames as the report.

Timing: frames are written at the analysis frame rate in playback time (median frame
interval of the analysed frames × the slow-motion factor), so a constant-rate source
keeps its rate and duration and slow-motion footage stays slow. A variable-frame-rate
phone clip is written at constant rate: each frame is kept once, with its duration
evened out to the median interval, so the total duration can differ from the source by
the jitter of its timestamps; the time readout shows each frame's true (real) time.

What is drawn (sizes scale with the frame, see :class:`~gaitcheck.report.overlay.Style`):

* the skeleton of the cleaned landmarks, the subject's left side orange and right side
  blue, the far side darker and thinner (front/back views: both sides bright);
* the trunk line (hip → shoulder midpoints, white, against a dashed vertical of the
  ground frame) and the head line (shoulder → ear midpoints, yellow) with their live
  angles, and the live knee flexion of each leg (side views); the lateral trunk lean in
  front/back views;
* at each initial contact, a ring on the contact point coloured by strike type (red
  rearfoot, yellow midfoot, green forefoot, grey unknown; "?" when inferred) labelled
  with the foot and strike, held 0.3 s; a triangle at the toe at each toe-off;
* a readout box (in the frame corner the runner covers least) with the frame's real
  time and number, the cadence and ground contact time of the report, and the colour key.

Frames without a detected pose are written as they are, with a "no pose" label.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitcheck.errors import InputError
from gaitcheck.landmarks import LM
from gaitcheck.privacy import blur_face, face_track
from gaitcheck.report import overlay as ov
from gaitcheck.video.reader import Frame, VideoReader
from gaitcheck.video.writer import write_video

if TYPE_CHECKING:
    from gaitcheck.result import GaitResult

ANNOTATED_VIDEO = "annotated.mp4"
#: How long an event marker stays on screen, seconds of playback.
HOLD_S = 0.3
#: x264 quality: the thin lines and small text blur at the default (23).
CRF = 20
GREY = (190, 190, 190)
NO_POSE = (255, 110, 110)
#: Widest values the readout shows, to size its box once for the whole video.
_TEMPLATE_TIME = "t 0000.000 s   frame 000000"


@dataclass(frozen=True)
class Marker:
    """An event marker shown on rows ``first`` .. ``last`` (inclusive).

    Attributes
    ----------
    first, last : int
        First and last track row showing the marker (the event's nearest row, then
        :data:`HOLD_S` of playback).
    kind : {"contact", "toe_off"}
        Initial contact or toe-off.
    side : {"left", "right"}
        The subject's foot.
    xy : numpy.ndarray, (2,)
        Pixel position where the event happened (NaN if unknown).
    label : str
        Text drawn with the marker ("L rearfoot", "TO").
    color : tuple of int
        RGB colour of the marker.
    """

    first: int
    last: int
    kind: str
    side: str
    xy: np.ndarray
    label: str
    color: ov.Color


def output_fps(result: GaitResult) -> float:
    """Frame rate of the annotated video: the analysis rate in playback time, frames/s."""
    tracks = result.tracks
    if tracks.n_frames >= 2:
        return float(tracks.fps * tracks.video.slowmo)
    return tracks.video.fps if math.isfinite(tracks.video.fps) and tracks.video.fps > 0 \
        else 30.0


def write_annotated_video(result: GaitResult, video: Path, out_dir: Path,
                          anonymize: bool = False) -> dict[str, str]:
    """Write ``annotated.mp4`` (H.264, yuv420p, faststart) into ``out_dir``, atomically.

    Parameters
    ----------
    result : GaitResult
        The analysis; its report's ``video`` section gives the analysis window
        (playback seconds) and slow-motion factor used to decode ``video`` again.
    video : Path
        The analysed source video.
    out_dir : Path
        Existing output folder.
    anonymize : bool
        Blur the runner's face in every frame (:mod:`gaitcheck.privacy`).

    Returns
    -------
    dict
        ``{"annotated_video": "annotated.mp4"}``.

    Raises
    ------
    InputError
        ``video`` cannot be read or is not the analysed video (other frame size, or
        analysed frames missing from it).
    OutputError
        The video cannot be encoded or written; no partial file is left behind.
    """
    info = result.report.get("video") or {}
    window = info.get("analysis_window") or {}
    slowmo = float(info.get("slowmo") or result.tracks.video.slowmo or 1.0)
    reader = VideoReader(video, window.get("start_s"), window.get("end_s"), slowmo)
    size = (result.tracks.video.width, result.tracks.video.height)
    if (reader.info.width, reader.info.height) != size:
        raise InputError(f"{reader.path.name} is {reader.info.width}x{reader.info.height} "
                         f"but the analysed video was {size[0]}x{size[1]}")
    fps = output_fps(result)
    # Every core for the encoder: 4K frames take x264 ~0.1 s each on one thread.
    write_video(Path(out_dir) / ANNOTATED_VIDEO,
                annotated_frames(result, reader, fps, anonymize), fps, crf=CRF, threads=0)
    return {"annotated_video": ANNOTATED_VIDEO}


def annotated_frames(result: GaitResult, reader: VideoReader, fps: float,
                     anonymize: bool = False) -> Iterator[np.ndarray]:
    """Yield one annotated RGB frame per analysed frame (rows of ``result.tracks``),
    the face blurred first when ``anonymize``.

    Frames of odd width or height get one edge pixel row/column repeated, as H.264 4:2:0
    needs even sizes.

    Raises
    ------
    InputError
        An analysed frame is missing from the decoded video.
    """
    tracks = result.tracks
    drawer = FrameDrawer(result, fps)
    faces = face_track(result)[0] if anonymize else None
    wanted = tracks.frame_index
    row = 0
    frames = reader.frames()
    try:
        for frame in frames:
            if frame.index < wanted[row]:
                continue
            if frame.index > wanted[row]:
                break
            if faces is not None:
                if not frame.rgb.flags.writeable:
                    frame = replace(frame, rgb=frame.rgb.copy())
                blur_face(frame.rgb, faces[row])
            yield _even(drawer.draw(frame, row))
            row += 1
            if row == tracks.n_frames:
                break
    finally:
        frames.close()
    if row < tracks.n_frames:
        raise InputError(f"{reader.path.name} does not match the analysis: video frame "
                         f"{int(wanted[row])} is missing")


def _even(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if h % 2 or w % 2:
        return np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return rgb


def _mid(p: np.ndarray, a: str, b: str) -> np.ndarray:
    return (p[LM[a]] + p[LM[b]]) / 2


def _value(metric: dict[str, Any] | None) -> float:
    v = (metric or {}).get("value")
    return float(v) if isinstance(v, int | float) else math.nan


class FrameDrawer:
    """Draws the overlay of one analysis on its frames (state: the event markers and
    the readout layout, computed once).

    Parameters
    ----------
    result : GaitResult
        The analysis.
    fps : float
        Output frame rate, frames/s of playback (sets how many frames a marker lasts).
    """

    def __init__(self, result: GaitResult, fps: float) -> None:
        tracks = result.tracks
        self.result = result
        self.cleaned = result.cleaned
        self.angles = result.angles
        self.detected = tracks.detected
        self.scale = np.array([tracks.video.width, tracks.video.height], float)
        self.style = ov.Style.for_size(tracks.video.width, tracks.video.height)
        self.view = result.view
        self.facing = result.facing if self.view in ("side", "oblique") else None
        self.near = (result.report.get("view") or {}).get("near_side") if self.facing else None
        #: +1 when the runner faces image-right, -1 facing left, 0 unknown / frontal.
        self.front = {"left": -1, "right": 1}.get(self.facing or "", 0)
        ground = ((result.report.get("analysis") or {}).get("frame") or {}).get(
            "ground_angle_deg") or 0.0
        a = math.radians(float(ground))
        # Image direction of "up" in the ground-aligned sagittal frame of the angles.
        self.up = np.array([self.front * -math.sin(a), -math.cos(a)]) if self.front \
            else np.array([0.0, -1.0])
        # Sorted by first row, and all last equally long, so also sorted by last row:
        # expired markers leave from the left as the rows advance.
        self.markers = deque(self._markers(max(1, round(HOLD_S * fps))))
        self.cadence = _value(result.metrics.get("cadence_spm"))
        self.contact_ms = _value(result.metrics.get("ground_contact_ms"))
        self.box = ov.panel_box(*self.scale.astype(int), self._lines(_TEMPLATE_TIME),
                                self._corner(), self.style)

    # -- precomputed layout ------------------------------------------------------------
    def xy(self, row: float) -> np.ndarray:
        """Cleaned landmark pixels (33, 2) at a (fractional) track row."""
        img = self.cleaned.image
        i = int(np.clip(math.floor(row), 0, len(img) - 1))
        j = min(i + 1, len(img) - 1)
        f = row - i
        p = (1 - f) * img[i, :, :2].astype(float) + f * img[j, :, :2].astype(float)
        return p * self.scale

    def _markers(self, hold: int) -> list[Marker]:
        out = []
        events = self.result.events
        for c in events.get("contacts") or []:
            row, side = self.result.row_of_frame(c["frame"]), c.get("side", "left")
            p = self.xy(row)
            heel, toe = p[LM[f"{side}_heel"]], p[LM[f"{side}_foot_index"]]
            strike = c.get("strike")
            at = heel if strike == "rearfoot" else toe if strike == "forefoot" \
                else (heel + toe) / 2
            label = f"{side[0].upper()} {strike or 'contact'}" \
                + ("?" if c.get("strike_inferred") else "")
            first = round(row)
            out.append(Marker(first, first + hold - 1, "contact", side, at, label,
                              ov.STRIKE_COLORS.get(strike, ov.STRIKE_COLORS[None])))
        for t in events.get("toe_offs") or []:
            row, side = self.result.row_of_frame(t["frame"]), t.get("side", "left")
            first = round(row)
            out.append(Marker(first, first + hold - 1, "toe_off", side,
                              self.xy(row)[LM[f"{side}_foot_index"]], "TO",
                              ov.side_color(side, self.near)))
        return sorted(out, key=lambda m: (m.first, m.kind != "toe_off"))

    def _corner(self) -> str:
        """Frame corner whose readout box covers fewest landmarks over the video."""
        img = self.cleaned.image
        rows = np.linspace(0, len(img) - 1, min(len(img), 200)).astype(int)
        pts = img[rows, :, :2].reshape(-1, 2).astype(float) * self.scale
        pts = pts[np.isfinite(pts).all(axis=1)]
        lines = self._lines(_TEMPLATE_TIME)
        best, best_n = "tl", math.inf
        for corner in ("tl", "tr", "bl", "br"):
            x0, y0, x1, y1 = ov.panel_box(*self.scale.astype(int), lines, corner, self.style)
            n = int(np.sum((pts[:, 0] >= x0) & (pts[:, 0] <= x1)
                           & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)))
            if n < best_n:
                best, best_n = corner, n
        return best

    def _lines(self, time_text: str) -> list[list[tuple[str, ov.Color]]]:
        cadence = f"{self.cadence:.0f} steps/min" if math.isfinite(self.cadence) else "--"
        contact = f"{self.contact_ms:.0f} ms" if math.isfinite(self.contact_ms) else "--"
        key = [("L", ov.LEFT), (" near  " if self.near == "left" else " far  " if self.near
                             else " left  ", GREY),
               ("R", ov.RIGHT), (" near" if self.near == "right" else " far" if self.near
                              else " right", GREY)]
        return [[(time_text, ov.WHITE)], [("Cadence ", GREY), (cadence, ov.WHITE)],
                [("Contact ", GREY), (contact, ov.WHITE)], key]

    # -- per frame ---------------------------------------------------------------------
    def draw(self, frame: Frame, row: int) -> np.ndarray:
        """The annotated copy of ``frame``, whose track row is ``row``."""
        img = frame.rgb if frame.rgb.flags.writeable else frame.rgb.copy()
        time_text = f"t {self.result.tracks.time_s[row]:.3f} s   frame {frame.index}"
        if not self.detected[row]:
            ov.panel(img, [[(time_text, ov.WHITE)]], self.box, self.style)
            _, cap = ov.text_size("0", self.style, 1.6)
            ov.put_text(img, "no pose", (img.shape[1] // 2, img.shape[0] // 2 + cap // 2),
                        self.style, NO_POSE, "center", 1.6)
            return img
        p = self.xy(row)
        self._trunk_and_head(img, p)
        ov.draw_skeleton(img, p, self.near, self.style)
        self._labels(img, p, row)
        while self.markers and self.markers[0].last < row:
            self.markers.popleft()
        for m in self.markers:
            if m.first > row:
                break
            if m.kind == "contact":
                ov.contact_marker(img, m.xy, m.label, m.color, self.style,
                                  ov.side_color(m.side, self.near))
            else:
                ov.toe_off_marker(img, m.xy, m.label, m.color, self.style)
        ov.panel(img, self._lines(time_text), self.box, self.style)
        return img

    def _trunk_and_head(self, img: np.ndarray, p: np.ndarray) -> None:
        s = self.style
        hip, sh = _mid(p, "left_hip", "right_hip"), _mid(p, "left_shoulder", "right_shoulder")
        length = float(np.linalg.norm(sh - hip)) if ov.finite(sh - hip) else 0.0
        if length:
            ov.dashed(img, hip, hip + self.up * 1.1 * length, ov.shade(ov.WHITE, 0.85), s.thin,
                      1.5 * s.pad)
        ov.line(img, hip, sh, ov.TRUNK, s.line, 1)
        if self.front:
            ov.line(img, sh, _mid(p, "left_ear", "right_ear"), ov.HEAD, s.line, 1)

    def _labels(self, img: np.ndarray, p: np.ndarray, row: int) -> None:
        s, a = self.style, self.angles
        hip, sh = _mid(p, "left_hip", "right_hip"), _mid(p, "left_shoulder", "right_shoulder")
        if not self.front:
            if "lateral_trunk_lean_deg" in a and ov.finite(sh):
                text = ov.angle_text("lean", float(a["lateral_trunk_lean_deg"][row]))
                ov.put_text(img, text, (round(sh[0]), round(sh[1] - 3 * s.pad)), s,
                            ov.TRUNK, "center")
            return
        back = -self.front
        anchor = "left" if back > 0 else "right"
        if ov.finite(hip + sh):
            mid = (hip + sh) / 2
            ov.put_text(img, ov.angle_text("trunk", float(a["trunk_lean_deg"][row])),
                        (round(mid[0] + back * 3 * s.pad), round(mid[1])), s, ov.TRUNK, anchor)
        ear = _mid(p, "left_ear", "right_ear")
        if ov.finite(ear):
            ov.put_text(img, ov.angle_text("head", float(a["head_forward_deg"][row])),
                        (round(ear[0] + back * 4 * s.pad), round(ear[1])), s, ov.HEAD, anchor)
        knees = {side: p[LM[f"{side}_knee"]] for side in ("left", "right")}
        for side, knee in knees.items():
            if not ov.finite(knee):
                continue
            # Each label goes on the far side of its knee from the other knee: the knees
            # are close in a side view and the labels would otherwise overlap.
            other = knees["right" if side == "left" else "left"]
            toward = (1 if knee[0] >= other[0] else -1) if ov.finite(other) else back
            if ov.finite(other) and knee[0] == other[0]:
                toward = 1 if side == "right" else -1
            text = ov.angle_text(f"{side[0].upper()} knee",
                                 float(a[f"knee_flexion_{side}_deg"][row]))
            ov.put_text(img, text, (round(knee[0] + toward * 2 * s.pad), round(knee[1])), s,
                        ov.LEFT if side == "left" else ov.RIGHT,
                        "left" if toward > 0 else "right")
