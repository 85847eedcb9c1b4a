"""A shared attribution service for many viewers, on Ray Serve: ``python -m explain.serve``.

The HTTP API (``POST /explain``, ``GET /healthz``), request checks and the
batched computation live here; Ray is imported only when the service starts,
so the rest of Tokenlight works without it. :mod:`explain.serve.client` calls
a running service.
"""
