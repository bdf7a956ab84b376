"""Tests for the outreach core package: settings, errors, hashing and demo data."""
