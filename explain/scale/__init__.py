"""Explain whole datasets on a Ray cluster, one output row per input row.

The top layer: it reads a table of texts, runs :func:`explain.attribute_batch`
in Ray Data actors and writes Parquet files, a manifest and a summary. Ray is
an optional dependency (``requirements-scale.txt``, the ``[scale]`` extra); it
is imported only when a job runs.
"""
