"""Graph infrastructure: the driver, running Cypher, the schema, the dialect, the local server."""
