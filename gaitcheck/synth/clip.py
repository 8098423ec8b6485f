"""A synthetic clip on disk: rendered video (or landmark tracks) plus its truth JSON.

Used by ``gaitcheck synth`` and by ``sample_videos/make_samples.py``. For a clip
``run.mp4`` the truth goes to ``run.truth.json`` and, with ``landmarks_only``, the
tracks to ``run.landmarks.npz`` (re-analysable with ``gaitcheck analyze --landmarks``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gaitcheck.fsio import prepare_output_dir, write_text_atomic
from gaitcheck.landmarks import LM
from gaitcheck.synth.artefacts import Artefacts
from gaitcheck.synth.camera import Camera, camera_for_view
from gaitcheck.synth.kinematics import generate_motion
from gaitcheck.synth.motion import Motion
from gaitcheck.synth.params import GaitParams
from gaitcheck.synth.paths import CAMERA_MOTIONS, PATHS, follow_camera, there_and_back
from gaitcheck.synth.truth import truth_document

#: Fraction of the image height the runner fills, by setting: overground clips show
#: the runner crossing a wider field of view.
DEFAULT_FILL = {"treadmill": 0.65, "overground": 0.42}


@dataclass(frozen=True)
class ClipSpec:
    """How to film a synthetic runner.

    Attributes
    ----------
    params : GaitParams
        The runner (duration and fps come from here).
    view : str
        Camera view (see :func:`gaitcheck.synth.camera.camera_for_view`).
    size : tuple of int, optional
        ``(width, height)`` in pixels; default 720x1280 portrait, or 1280x720 for
        overground side and oblique views.
    artefacts : Artefacts
        Pose-estimation artefacts applied to the landmark tracks (not to the video).
    console : bool, optional
        Draw the treadmill console; default on for treadmill clips.
    crf : int
        H.264 quality (lower is better and larger).
    fill : float, optional
        Fraction of the image height the standing runner fills.
    path : {"straight", "there-and-back"}
        ``there-and-back``: the subject turns round half-way and comes back
        (:func:`gaitcheck.synth.paths.there_and_back`; overground only).
    camera_motion : {"static", "follow"}
        ``follow``: the camera pans with the subject (:mod:`gaitcheck.synth.paths`);
        the video is a window following the subject across a wider rendering.
    shake_px : float
        Hand shake of a following camera, pixels (SD).
    playback_fps : float, optional
        Frame rate the video is stored at, when it differs from the capture rate
        ``params.fps``: 30 with ``params.fps = 60`` is a 2× slow-motion file. The
        truth keeps real time.
    """

    params: GaitParams = field(default_factory=GaitParams)
    view: str = "side-left"
    size: tuple[int, int] | None = None
    artefacts: Artefacts = field(default_factory=Artefacts.none)
    console: bool | None = None
    crf: int = 23
    fill: float | None = None
    path: str = "straight"
    camera_motion: str = "static"
    shake_px: float = 0.0
    playback_fps: float | None = None

    def __post_init__(self) -> None:
        if self.path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}, got {self.path!r}")
        if self.camera_motion not in CAMERA_MOTIONS:
            raise ValueError(f"camera_motion must be one of {CAMERA_MOTIONS}, got "
                             f"{self.camera_motion!r}")
        if self.path != "straight" and self.params.setting != "overground":
            raise ValueError(f"path {self.path!r} needs an overground setting")
        if self.playback_fps is not None and not self.playback_fps > 0:
            raise ValueError(f"playback_fps must be positive, got {self.playback_fps!r}")

    def motion(self) -> Motion:
        """The subject's motion along this clip's path."""
        motion = generate_motion(self.params)
        return there_and_back(motion) if self.path == "there-and-back" else motion

    def camera(self, motion: Motion | None = None) -> Camera:
        """The camera for this clip (at the first frame, for a following camera):
        static overground cameras aim at the middle of the run, a following one at the
        subject's start."""
        p = self.params
        overground = p.setting == "overground"
        sideways = self.view in ("side-left", "side-right", "oblique")
        width, height = self.size or ((1280, 720) if overground and sideways else (720, 1280))
        centre = p.speed_mps * p.duration_s / 2.0 if overground and sideways else None
        if overground and sideways and (self.path != "straight"
                                        or self.camera_motion == "follow"):
            hip_x = _hip_x(motion if motion is not None else self.motion())
            centre = float(hip_x[0] if self.camera_motion == "follow"
                           else (hip_x.min() + hip_x.max()) / 2.0)
        return camera_for_view(self.view, subject_height_m=p.body_height_m, width=width,
                               height=height, fps=p.fps, centre_x_m=centre,
                               fill=self.fill or DEFAULT_FILL[p.setting])


def truth_path(video: Path) -> Path:
    """``run.mp4`` → ``run.truth.json``."""
    return video.with_name(video.stem + ".truth.json")


def make_clip(out: Path, spec: ClipSpec, landmarks_only: bool = False,
              seed: int | None = None) -> dict[str, Path]:
    """Generate the motion, then write the video (or tracks) and the truth JSON.

    Parameters
    ----------
    out : Path
        Video path (``.mp4``); siblings get the truth and landmark files.
    spec : ClipSpec
        Runner, camera and scene.
    landmarks_only : bool
        Skip rendering; write ``<stem>.landmarks.npz`` instead of the video.
    seed : int, optional
        Seed for rendering noise and artefacts; default the runner's seed.

    Returns
    -------
    dict
        Written files by role: ``video`` or ``landmarks``, and ``truth``.
    """
    out = prepare_output_dir(Path(out).parent) / Path(out).name
    seed = spec.params.seed if seed is None else seed
    motion = spec.motion()
    camera = spec.camera(motion)
    written: dict[str, Path] = {}
    if landmarks_only:
        written["landmarks"] = _write_tracks(out, motion, camera, spec, seed)
    else:
        written["video"] = _write_video(out, motion, camera, spec, seed)
    doc = truth_document(motion, camera, out.stem)
    doc["view"] = spec.view
    # Only when not the default, so existing truth files stay byte-identical.
    extra = {"path": (spec.path, "straight"), "camera_motion": (spec.camera_motion, "static"),
             "shake_px": (spec.shake_px, 0.0), "playback_fps": (spec.playback_fps, None)}
    doc |= {k: v for k, (v, default) in extra.items() if v != default}
    doc["artefacts"] = spec.artefacts.to_dict() if landmarks_only else None
    written["truth"] = write_text_atomic(truth_path(out), json.dumps(doc) + "\n")
    return written


def _write_tracks(out: Path, motion: Motion, camera: Camera, spec: ClipSpec,
                  seed: int) -> Path:
    from gaitcheck.synth.slowmo import stored_slow
    from gaitcheck.synth.to_tracks import motion_to_tracks
    from gaitcheck.tracks.io import save_tracks_npz

    if spec.camera_motion == "follow":
        tracks = follow_camera(motion, camera, spec.artefacts, seed=seed,
                               shake_px=spec.shake_px, name=out.stem)
    else:
        tracks = motion_to_tracks(motion, camera, spec.artefacts, seed=seed, name=out.stem)
    if spec.playback_fps is not None:
        tracks = stored_slow(tracks, camera.fps / spec.playback_fps)
    return save_tracks_npz(tracks, out.with_name(out.stem + ".landmarks.npz"))


def _write_video(out: Path, motion: Motion, camera: Camera, spec: ClipSpec, seed: int) -> Path:
    from gaitcheck.synth.render import render_video
    from gaitcheck.synth.scene import SceneStyle

    setting = spec.params.setting
    console = spec.console if spec.console is not None else setting == "treadmill"
    style = SceneStyle(setting=setting, console=console)
    if spec.playback_fps is not None:  # slow motion: the same frames, played slower
        camera = dataclasses.replace(camera, fps=spec.playback_fps)
    if spec.camera_motion == "follow":
        from gaitcheck.synth.paths import render_follow_frames
        from gaitcheck.video.writer import write_video

        frames = render_follow_frames(motion, camera, style, seed=seed,
                                      shake_px=spec.shake_px)
        return write_video(out, frames, camera.fps, crf=spec.crf)
    return render_video(motion, camera, out, style=style, seed=seed, crf=spec.crf)


def _hip_x(motion: Motion) -> np.ndarray:
    """World x of the hip midpoint per frame, m."""
    pts = np.asarray(motion.points)
    return 0.5 * (pts[:, LM["left_hip"], 0] + pts[:, LM["right_hip"], 0])
