"""A rich progress bar for pose extraction, shown only on an interactive terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from gaitcheck.pipeline import Progress as PipelineProgress


class FrameProgress(PipelineProgress):
    """Frames done / total, frames per second and ETA on stderr."""

    def __init__(self, console: Console, label: str) -> None:
        self._label = label
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("frames · {task.fields[fps]} fps"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, total: int | None) -> None:
        self._bar.start()
        self._task = self._bar.add_task(self._label, total=total, fps="–")

    def update(self, done: int) -> None:
        if self._task is None:
            return
        task = self._bar.tasks[self._task]
        speed = task.finished_speed or task.speed
        self._bar.update(self._task, completed=done,
                         fps=f"{speed:.1f}" if speed else "–")

    def stop(self) -> None:
        self._bar.stop()
