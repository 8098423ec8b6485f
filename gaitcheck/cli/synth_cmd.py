"""``gaitcheck synth``: a synthetic runner with exact ground truth."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

from gaitcheck.cli.app import DebugOpt, _reported_errors, _usage, app, out_console
from gaitcheck.synth.camera import VIEWS


def _parse_set(items: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` pairs; values are parsed as JSON when they can be (numbers, null)."""
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise _usage(f"--set expects KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


#: Frame sizes synth renders, pixels per side: smaller leaves no runner to see, larger
#: than 4K takes gigabytes per frame buffer.
MIN_SIDE_PX, MAX_SIDE_PX = 64, 4096


def _checked_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` if H.264 can encode it and it is sensible, else a usage error."""
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise _usage(f"--size {width}x{height}: width and height must each be from "
                     f"{MIN_SIDE_PX} to {MAX_SIDE_PX} pixels")
    if width % 2 or height % 2:
        raise _usage(f"--size {width}x{height}: width and height must be even (H.264 "
                     f"stores colour at half resolution), e.g. --size "
                     f"{width + width % 2}x{height + height % 2}")
    return width, height


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Output video (.mp4); truth goes to "
                                        "<name>.truth.json beside it.")],
    view: Annotated[str, typer.Option(help=f"Camera view: {', '.join(VIEWS)}.")] = "side-left",
    activity: Annotated[str, typer.Option(help="run or walk.")] = "run",
    setting: Annotated[str, typer.Option(help="treadmill or overground.")] = "treadmill",
    cadence: Annotated[float | None, typer.Option(help="Steps/min, both feet.")] = None,
    speed: Annotated[float | None, typer.Option(help="Speed (belt speed), m/s.")] = None,
    contact_time: Annotated[float | None, typer.Option(help="Ground contact time, ms.")] = None,
    trunk_lean: Annotated[float | None, typer.Option(help="Forward trunk lean, deg.")] = None,
    head_forward: Annotated[float | None, typer.Option(help="Head-forward angle, deg.")] = None,
    strike: Annotated[str | None, typer.Option(help="rearfoot, midfoot or forefoot.")] = None,
    foot_angle: Annotated[float | None, typer.Option(
        help="Foot angle at initial contact, deg, toes up positive.")] = None,
    knee_flexion: Annotated[float | None, typer.Option(help="Knee flexion at IC, deg.")] = None,
    overstride: Annotated[float | None, typer.Option(
        help="Heel ahead of hip at IC, % leg length.")] = None,
    oscillation: Annotated[float | None, typer.Option(
        help="Vertical oscillation, cm.")] = None,
    crossover: Annotated[float | None, typer.Option(
        help="Arm crossover past the midline, fraction of shoulder width.")] = None,
    asym_contact: Annotated[float, typer.Option(
        help="Contact-time asymmetry, % (right vs left).")] = 0.0,
    body_height: Annotated[float, typer.Option(help="Runner's height, m.")] = 1.75,
    duration: Annotated[float, typer.Option(help="Clip length, s.")] = 10.0,
    fps: Annotated[float, typer.Option(help="Frame rate, frames/s.")] = 30.0,
    size: Annotated[str | None, typer.Option(
        help="WIDTHxHEIGHT in pixels [default: 720x1280; 1280x720 overground side].")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    artefacts: Annotated[str, typer.Option(
        help="Pose artefacts in --landmarks-only tracks: none or realistic.")] = "none",
    landmarks_only: Annotated[bool, typer.Option(
        help="Skip rendering; write <name>.landmarks.npz tracks instead.")] = False,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Any other runner parameter, KEY=VALUE (repeatable); see "
        "gaitcheck.synth.params.GaitParams.")] = None,
    debug: DebugOpt = False,
) -> None:
    """Generate a synthetic runner (video or landmark tracks) with exact ground truth.

    Examples:

      gaitcheck synth heel.mp4 --strike rearfoot --head-forward 25

      gaitcheck synth fore.mp4 --view side-right --setting overground --strike forefoot

      gaitcheck synth back.mp4 --view back --crossover 0.15 --asym-contact 10

      gaitcheck synth tracks.mp4 --landmarks-only --artefacts realistic
    """
    from gaitcheck.synth.artefacts import Artefacts
    from gaitcheck.synth.clip import ClipSpec, make_clip
    from gaitcheck.synth.params import GaitParams

    with _reported_errors(debug):
        if view not in VIEWS:
            raise _usage(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
        if artefacts not in ("none", "realistic"):
            raise _usage("--artefacts must be none or realistic")
        dims = None
        if size:
            try:
                w, h = (int(v) for v in size.lower().split("x"))
            except ValueError:
                raise _usage(f"--size expects WIDTHxHEIGHT, got {size!r}") from None
            dims = _checked_size(w, h)
        given = {"activity": activity, "setting": setting, "cadence_spm": cadence,
                 "speed_mps": speed, "contact_time_ms": contact_time,
                 "trunk_lean_deg": trunk_lean, "head_forward_deg": head_forward,
                 "strike": strike, "foot_strike_angle_deg": foot_angle,
                 "knee_flexion_ic_deg": knee_flexion, "overstride_pct": overstride,
                 "vertical_oscillation_cm": oscillation, "arm_crossover": crossover,
                 "asym_contact_time_pct": asym_contact, "body_height_m": body_height,
                 "duration_s": duration, "fps": fps, "seed": seed}
        fields = {k: v for k, v in given.items() if v is not None}
        fields |= _parse_set(set_ or [])
        unknown = set(fields) - {f.name for f in dataclasses.fields(GaitParams)}
        if unknown:
            raise _usage(f"unknown runner parameter(s): {', '.join(sorted(unknown))}")
        try:
            params = GaitParams(**fields)
        except (TypeError, ValueError) as err:
            raise _usage(f"invalid runner parameters: {err}") from None
        spec = ClipSpec(params=params, view=view, size=dims,
                        artefacts=Artefacts.realistic() if artefacts == "realistic"
                        else Artefacts.none())
        written = make_clip(out, spec, landmarks_only=landmarks_only)
        for role, path in written.items():
            out_console.print(f"[bold green]{role}:[/] {path}", highlight=False)
