"""Batch processing for clinics: many videos → one folder each plus a summary table.

- :mod:`gaitcheck.batch.inputs`: find the videos (folder, glob or manifest CSV) and give
  each a safe, unique output folder name.
- :mod:`gaitcheck.batch.jobs`: the per-video job (pure inputs → outcome dict), the same
  function for in-process, process-pool and dask runs.
- :mod:`gaitcheck.batch.executors`: run jobs in-process, in a local process pool or on a
  dask.distributed cluster.
- :mod:`gaitcheck.batch.runner`: resume, logging and summary updates around the executor.
- :mod:`gaitcheck.batch.summary`: summary rows, ``summary.csv`` and ``summary.json``.

This package is imported by pool workers before their thread limits are set, so nothing
here may import numpy, OpenCV or MediaPipe at module level.
"""
