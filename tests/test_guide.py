"""`gaitcheck guide` and README's "How to film" give the same filming rules."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from gaitcheck.cli.app import app
from gaitcheck.cli.guide_cmd import FILMING_GUIDE
from helpers import REPO

#: What the issue asks the guide to say, as words each rule must contain.
REQUIRED = ("hip height", "3–4 m", "60 fps", "whole body and feet", "fitted clothing",
            "hood", "shoulder landmark", "20 s of steady running", "perpendicular",
            "level", "light")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def readme_section() -> str:
    """README's "How to film" section as written (markdown)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## How to film\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README has no '## How to film' section"
    return match.group(1)


def test_guide_and_readme_say_the_same() -> None:
    result = CliRunner().invoke(app, ["guide"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    shown = squash(re.sub(r"[│╭╮╰╯─]", " ", result.output))
    section = readme_section()
    readme = squash(re.sub(r"[*`]", "", section))
    for head, detail in FILMING_GUIDE:
        for text in (head, detail):
            assert squash(text) in shown, text
            assert squash(text) in readme, text
    rules = squash(" ".join(h + " " + d for h, d in FILMING_GUIDE))
    for words in REQUIRED:
        assert words in rules, words
    # Nothing in README's list that the guide does not print.
    assert len(re.findall(r"(?m)^\d+\. ", section)) == len(FILMING_GUIDE)
