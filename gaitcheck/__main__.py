"""Allow ``python -m gaitcheck``."""

from gaitcheck.cli.app import main

main()
