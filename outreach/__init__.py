"""Outreach engine core: settings, errors, hashing and the command line."""

__version__ = "0.1.0"
