"""Reports: the versioned ``report.json`` and (later) HTML, CSV and annotated video."""

from gaitcheck.report.json_report import SCHEMA_VERSION, build_report, write_report

__all__ = ["SCHEMA_VERSION", "build_report", "write_report"]
