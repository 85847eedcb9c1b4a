"""Explain whole datasets, one output row per input row, into a results directory.

The top layer: it reads a table of texts, runs :func:`explain.attribute_batch`
in this process (:mod:`explain.scale.local`) or in Ray Data actors
(:mod:`explain.scale.dataset`), and writes Parquet files, a manifest and a
summary through one writer (:mod:`explain.scale.writer`). Ray is an optional
dependency (``requirements-scale.txt``, the ``[scale]`` extra); it is imported
only when a job runs on it.
"""
