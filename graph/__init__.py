"""Persistence: the driver, schema and dialect (``graph/db``), every Cypher string, typed reads."""
