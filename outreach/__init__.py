"""Outreach engine: the ground (core), the model (matching), the use cases and the command line."""

__version__ = "0.1.0"
