"""Exceptions that the command line turns into one-line messages and exit codes."""

from __future__ import annotations


class GaitcheckError(Exception):
    """Base class for errors gaitcheck reports to the user without a traceback.

    Attributes
    ----------
    exit_code : int
        Process exit code the CLI uses: 2 for problems with the user's input or
        environment, 1 for internal failures.
    """

    exit_code: int = 1


class InputError(GaitcheckError):
    """The user's input cannot be analysed (missing, not a video, no person, ...)."""

    exit_code = 2


class OutputError(GaitcheckError):
    """The output location cannot be written (permissions, disk full, ...)."""

    exit_code = 2


class ModelError(GaitcheckError):
    """The pose model is missing, corrupt or does not match its checksum."""

    exit_code = 2
