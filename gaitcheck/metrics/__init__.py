"""Gait metrics: the registry of reported metrics (definitions), their formulas (shared by
the analyzers and the synthetic truth), and the analyzers."""
