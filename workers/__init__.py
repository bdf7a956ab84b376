"""Workers: the Celery app and its tasks, thin wrappers that take ids and call ingest or graph."""
