"""A non-editable install finds and verifies the bundled model (package data)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gaitcheck.pose.models import BUNDLED_SHA256
from helpers import REPO


@pytest.mark.slow
def test_wheel_ships_the_model(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    from hatchling.builders.wheel import WheelBuilder

    builder = WheelBuilder(str(REPO))
    wheel = Path(next(builder.build(directory=str(tmp_path / "dist"), versions=["standard"])))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(target), str(wheel)], check=True)
    code = ("import gaitcheck.pose.models as m; i = m.resolve_model(); "
            "print(i.path); print(i.sha256)")
    env = os.environ | {"PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=tmp_path, check=True).stdout.split()
    assert Path(out[0]).is_relative_to(target)
    assert out[1] == BUNDLED_SHA256
    # The HTML report's templates are package data too.
    templates = target / "gaitcheck" / "report" / "templates"
    assert {"report.html.j2", "report.css"} <= {p.name for p in templates.iterdir()}
