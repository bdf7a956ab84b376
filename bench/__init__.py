"""Benchmarks of the outreach engine: ingest, matcher and API, each against a same-run baseline.

Run ``python -m bench [ingest|rank|api|all] [--scale small|full]``; see ``bench/README.md``.
"""
