"""The clinic's defaults, kept in the sessions database (``gaitcheck clinic-settings``).

A default set here applies to every analysis recorded into that database
(``analyze --patient``, a batch with patient ids), on every machine sharing it; a run
overrides it with its own option. Today one default exists, ``anonymize``.

Face blurring is decided, first match wins, by ``--anonymize`` / ``--no-anonymize``,
``$GAITCHECK_ANONYMIZE`` (1/true/yes/on or 0/false/no/off), the database default (only
when the run records into a database), else off; :func:`anonymize_choice` returns the
decision and its source, which ``report.json`` (``privacy``) and the session keep.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gaitcheck.errors import InputError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from gaitcheck.clinic.db import Database

# SQLAlchemy and the schema are imported by the functions that open the database: every
# ``analyze`` asks anonymize_choice, and most record nowhere; importing SQLAlchemy
# costs 15 MiB of resident memory (issue 17) and 0.15 s.

ANONYMIZE_ENV = "GAITCHECK_ANONYMIZE"
_ON = ("on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")


def parse_switch(text: str, what: str = "value") -> str:
    """``on`` or ``off`` from on/off, yes/no, true/false or 1/0 (any case).

    Raises
    ------
    InputError
        Anything else.
    """
    word = str(text).strip().lower()
    if word in _ON:
        return "on"
    if word in _OFF:
        return "off"
    raise InputError(f"{what} must be on or off, not {text!r}")


@dataclass(frozen=True)
class Setting:
    """A clinic default: its name, what it does, and how a value is checked."""

    key: str
    help: str
    parse: Callable[[str], str]


SETTINGS = {s.key: s for s in (
    Setting("anonymize", "blur the runner's face in the key frames, PDF stills and "
            "annotated video of every analysis recorded into this database (on/off)",
            lambda v: parse_switch(v, "anonymize")),
)}


def _known(key: str) -> Setting:
    try:
        return SETTINGS[key.strip().lower()]
    except KeyError:
        raise InputError(f"unknown clinic setting {key!r}: {', '.join(SETTINGS)}") from None


def read_settings(db: Database) -> dict[str, str]:
    """Every default set in ``db``: key → value."""
    import sqlalchemy as sa

    from gaitcheck.clinic.schema import clinic_settings

    def work(conn: sa.Connection) -> dict[str, str]:
        rows = conn.execute(sa.select(clinic_settings.c.key, clinic_settings.c.value))
        return {r.key: r.value for r in rows}

    return db._retrying(work)


def set_setting(db: Database, key: str, value: str) -> str:
    """Set a default; returns the stored (normalised) value.

    Raises
    ------
    InputError
        Unknown key or bad value.
    """
    import sqlalchemy as sa

    from gaitcheck.clinic.schema import clinic_settings

    setting = _known(key)
    stored = setting.parse(value)
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")

    def work(conn: sa.Connection) -> None:
        where = clinic_settings.c.key == setting.key
        if conn.execute(sa.select(clinic_settings.c.key).where(where)).first() is None:
            conn.execute(clinic_settings.insert().values(key=setting.key, value=stored,
                                                         updated_utc=now))
        else:
            conn.execute(clinic_settings.update().where(where).values(value=stored,
                                                                      updated_utc=now))

    db._retrying(work)
    return stored


def unset_setting(db: Database, key: str) -> bool:
    """Remove a default (back to off); returns whether it was set."""
    from gaitcheck.clinic.schema import clinic_settings

    setting = _known(key)
    return bool(db._retrying(lambda conn: conn.execute(
        clinic_settings.delete().where(clinic_settings.c.key == setting.key)).rowcount))


def env_switch(name: str) -> bool | None:
    """Read an on/off environment variable: True, False, or None when unset or unreadable."""
    text = os.environ.get(name, "").strip().lower()
    return True if text in _ON else False if text in _OFF else None


def anonymize_choice(flag: bool | None, db: Database | None = None
                     ) -> tuple[bool, str | None]:
    """Whether to blur faces, and why.

    Parameters
    ----------
    flag : bool, optional
        ``--anonymize`` (True) / ``--no-anonymize`` (False); None when not given.
    db : Database, optional
        The database the run records into; None when it records nowhere.

    Returns
    -------
    (bool, str or None)
        The decision, and its source: ``"--anonymize"``, ``"--no-anonymize"``,
        ``"$GAITCHECK_ANONYMIZE"``, ``"database default"``; None when nothing asked
        for blurring (off by default).
    """
    if flag is not None:
        return flag, "--anonymize" if flag else "--no-anonymize"
    env = env_switch(ANONYMIZE_ENV)
    if env is not None:
        return env, f"${ANONYMIZE_ENV}"
    if db is not None and read_settings(db).get("anonymize") == "on":
        return True, "database default"
    return False, None
