"""Placeholder (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_csvs(result: Any, out_dir: Path) -> dict[str, str]:
    return {}
