"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, ``total`` in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ConsentIn(BaseModel):
    """The terms version the supporter agrees to."""

    terms_version: str = Field(examples=["2026-1"])


class ConsentOut(BaseModel):
    """The consent now on record."""

    supporter_id: str
    consent_version: str
    consented_at: str


class JobAccepted(BaseModel):
    """A queued job and where to watch it."""

    job_id: str
    status_url: str
    upload_id: str | None = None


class JobOut(BaseModel):
    """A job's status, per-stage counts and rejected rows (line, field, reason)."""

    id: str
    kind: str
    status: str
    counts: dict[str, Any]
    errors: list[dict[str, Any]]
    error_count: int | None = None
    message: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Target(BaseModel):
    """One friend to ask, with the reasons and a message to start from."""

    rank: int
    friend_id: str = Field(description="Your id for this friend; use it to record outcomes")
    name: str | None
    reasons: list[str]
    channel: str | None
    suggested_message: str
