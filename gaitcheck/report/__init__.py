"""Reports: the versioned ``report.json``, ``report.html`` with key frames, CSV tables and
the annotated video; :mod:`gaitcheck.report.writers` writes them all."""

from gaitcheck.report.json_report import SCHEMA_VERSION, build_report, write_report

__all__ = ["SCHEMA_VERSION", "build_report", "write_report"]
