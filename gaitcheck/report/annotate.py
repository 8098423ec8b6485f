"""Placeholder (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_annotated_video(result: Any, video: Path, out_dir: Path) -> dict[str, str]:
    raise NotImplementedError
