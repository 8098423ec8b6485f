"""Options shared by ``analyze``, ``report`` and ``batch`` for how reports are rendered:
extra formats (``--formats``, ``--pdf``), face blurring and the PDF's clinic and note.

``--anonymize`` defaults to the environment variable ``GAITCHECK_ANONYMIZE`` (1/true/yes/on
or 0/false/no/off), then, for runs recorded into a clinic database, to that database's
default (``gaitcheck clinic-settings anonymize on``); ``--clinic`` defaults to
``GAITCHECK_CLINIC``, so a clinic sets them once for every command.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

FormatsOpt = Annotated[str | None, typer.Option(
    "--formats", help="Report formats, comma-separated: html, csv, video, pdf "
    "[default: html,csv].", show_default=False)]
PdfOpt = Annotated[bool, typer.Option(
    "--pdf", help="Also write report.pdf, a 2–4 page A4 summary for the patient.")]
AnonymizeOpt = Annotated[bool | None, typer.Option(
    "--anonymize/--no-anonymize", help="Blur the runner's face in the annotated video and "
    "the key frames [default: $GAITCHECK_ANONYMIZE, else the clinic database's default "
    "when recording a session, else no].", show_default=False)]
ClinicOpt = Annotated[str | None, typer.Option(
    "--clinic", help="Clinic name printed on the PDF [default: $GAITCHECK_CLINIC].",
    show_default=False)]
NoteOpt = Annotated[str | None, typer.Option(
    "--note", help="Clinician's note printed on the PDF's first page (\\n for new lines).",
    show_default=False)]



def anonymize_default(flag: bool | None) -> bool:
    """``--anonymize`` as given, else ``GAITCHECK_ANONYMIZE``."""
    return anonymize_choice(flag)[0]


def anonymize_choice(flag: bool | None) -> tuple[bool, str | None]:
    """``--anonymize`` as given, else ``GAITCHECK_ANONYMIZE``, and which decided
    (runs that record into a clinic database also follow its default:
    :func:`gaitcheck.clinic.settings.anonymize_choice`)."""
    from gaitcheck.clinic.settings import anonymize_choice as choice

    return choice(flag)


def clinic_default(clinic: str | None) -> str | None:
    """``--clinic`` as given, else ``GAITCHECK_CLINIC`` (None when empty)."""
    value = clinic if clinic is not None else os.environ.get("GAITCHECK_CLINIC")
    return value.strip() or None if value else None


def note_text(note: str | None) -> str | None:
    r"""The note with typed ``\n`` turned into line breaks (None when empty)."""
    if not note or not note.strip():
        return None
    return note.replace("\\n", "\n").strip()


def formats_list(formats: str | None, *, annotate: bool = False, pdf: bool = False
                 ) -> tuple[str, ...] | None:
    """Formats from ``--formats`` plus ``--annotate`` (video) and ``--pdf``; None when
    nothing was asked (the writers' default)."""
    from gaitcheck.report.writers import DEFAULT_FORMATS, parse_formats

    base = parse_formats(formats.split(",")) if formats is not None else None
    if base is None and not (annotate or pdf):
        return None
    out = list(base if base is not None else DEFAULT_FORMATS)
    out += [f for f, on in (("video", annotate), ("pdf", pdf)) if on and f not in out]
    return tuple(out)
