"""Placeholder (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def extract_keyframes(result: Any, video: Path, out_dir: Path) -> dict[str, str]:
    return {}
