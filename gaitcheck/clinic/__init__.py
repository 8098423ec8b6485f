"""The clinic: a sessions database per patient, progress reports, export and erasure."""
