"""``gaitcheck guide``: how to film a running video that gaitcheck measures well, and
that can be compared with a retest. README's "How to film" section says the same."""

from __future__ import annotations

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gaitcheck.cli.app import app, out_console

#: The filming rules: (headline, why and how). README's "How to film" lists the same
#: headlines (tests/test_guide.py checks).
FILMING_GUIDE: tuple[tuple[str, str], ...] = (
    ("Film from the side, perpendicular to the direction of travel",
     "The camera looks straight across the runner's path (on a treadmill: square to the "
     "belt). Angles in the sagittal plane are only true when the camera is square to it."),
    ("Camera at hip height, level",
     "About 1 m up, on a tripod or a steady surface; the horizon straight, not tilted up "
     "or down. A low or high camera changes the trunk and shank angles."),
    ("3–4 m away",
     "Close enough for the body to fill most of the frame's height, far enough for little "
     "perspective distortion; zoom rather than walk closer."),
    ("Whole body and feet in view",
     "Head to toes in every frame, with a little room below the feet; nobody else in the "
     "picture. Feet cut off at the frame edge mean no contact times or foot strike."),
    ("60 fps or more when the phone allows",
     "Contact and flight times are only as fine as one frame (33 ms at 30 fps, 17 ms at "
     "60). Slow motion (120/240 fps) is best: tell gaitcheck with --slowmo."),
    ("Fitted clothing",
     "Shorts or tights and a fitted top, shoes visible. A hood or a loose jacket moves the "
     "shoulder landmark; baggy trousers hide the knee."),
    ("20 s of steady running",
     "After a warm-up, at the pace to be assessed (on a treadmill once the speed has "
     "settled): some 25 strides per leg at 170 steps/min, enough for narrow intervals."),
    ("Good, even light",
     "No runner against a bright window, no deep shadows; daylight or bright room light "
     "keeps the landmarks steady."),
    ("Film every retest the same way",
     "Same place, camera height and distance, speed, and shoes: only then is a change "
     "between sessions the runner's and not the camera's. Add a clip from behind for arm "
     "crossover and side-to-side trunk lean."),
)


def guide_renderable() -> Group:
    """The guide as rich renderables: a numbered table of rules in a panel."""
    table = Table.grid(padding=(0, 1, 1, 0))
    table.add_column(justify="right", style="bold cyan", no_wrap=True)
    table.add_column(ratio=1)
    for i, (head, detail) in enumerate(FILMING_GUIDE, start=1):
        table.add_row(f"{i}.", Text.assemble((head, "bold"), "\n", (detail, "")))
    tail = Text.assemble(("Then: ", "bold"), "gaitcheck analyze run.mp4 "
                         "(add --slowmo 8 for 240 fps slow motion stored at 30 fps).")
    return Group(Panel(table, title="[bold]How to film a running video for gaitcheck[/]",
                       title_align="left", border_style="cyan", padding=(1, 2)), tail)


@app.command()
def guide() -> None:
    """How to film: camera position, distance, frame rate, clothing, light, retests."""
    out_console.print(guide_renderable())
    raise typer.Exit(0)
