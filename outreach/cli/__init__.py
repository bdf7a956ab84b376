"""The command line and the demo: parse, call a use case, print."""
