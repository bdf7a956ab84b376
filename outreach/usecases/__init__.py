"""The use cases: one module each, called alike by the API, the CLI, the demo and the tasks."""
