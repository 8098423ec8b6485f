"""The ``gaitcheck`` command line."""
