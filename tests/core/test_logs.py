"""The log filter masks phone numbers and emails, and nothing an operator needs."""

from __future__ import annotations

import logging

import pytest

from outreach.core.logs import RedactingFilter, redact


@pytest.mark.parametrize(
    "text",
    [
        "call +16085550143 now",
        "phone 608-555-0143 given",
        "(608) 555-0143",
        "608.555.0143",
        "6085550143",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    masked = redact(text)
    assert "[phone]" in masked
    assert "555" not in masked and "7946" not in masked


@pytest.mark.parametrize("text", ["pat.doe+x@example.org wrote", "to a@b.co.uk"])
def test_emails_are_masked(text: str) -> None:
    masked = redact(text)
    assert "[email]" in masked and "@" not in masked


@pytest.mark.parametrize(
    "text",
    [
        "GET /supporters/sup-0001/targets from 127.0.0.1:52344",
        "client 192.168.100.200 and 10.20.30.40",
        "task 3f2a1b4c-1234-5678-9abc-def012345678 succeeded",
        "job 550e8400-e29b-41d4-a716-446655440000",
        "impact=0.8123456789 rank=3 probability 0.9912345678",
        "took 1234567 ms at 2024-01-15T12:34:56.123456",
        "worker celery@host1 ready",
    ],
)
def test_operational_values_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_filter_rewrites_formatted_records() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "friend %s at %s from %s",
        ("+16085550143", "a@b.org", "127.0.0.1"),
        None,
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "friend [phone] at [email] from 127.0.0.1"
