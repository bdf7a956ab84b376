"""Ingest: read files, normalize, link contacts to the voter file, and batch rows for ``graph/``."""
