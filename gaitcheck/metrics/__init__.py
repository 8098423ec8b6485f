"""Gait metrics: the registry of reported metrics, their formulas, and the analyzers.

The registry is :mod:`~gaitcheck.metrics.definitions`; the formulas
(:mod:`~gaitcheck.metrics.formulas`) are shared by the analyzers and the synthetic truth.
"""
