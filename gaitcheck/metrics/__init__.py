"""Gait metrics: shared definitions (used by analyzers and synthetic truth alike)."""
