"""Graph: the Bolt driver's lifetime, the schema, every Cypher string, and the matcher."""
