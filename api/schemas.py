"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from graph.outcomes import Outcome

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
    rank_job_id: str | None = Field(
        default=None, description="The re-rank that runs after this job, if one was started"
    )


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


class Action(BaseModel):
    """Something to tap: ``tel:``, ``sms:`` (message filled in) or ``mailto:``."""

    kind: Literal["call", "text", "email"]
    href: str
    label: str


class Target(BaseModel):
    """One friend to ask, with the reasons and a message to start from."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rank": 1,
                    "friend_id": "3f9a1c0d2b7e4a5f6c81",
                    "name": "Bob Smith",
                    "reasons": [
                        "Lives in Wisconsin, one of the states most likely to decide the election",
                        "Registered, but has voted in only one of the last four elections",
                        "You can reach them by phone and email",
                    ],
                    "channel": "call",
                    "suggested_message": "Hi Bob! It's me. Do you have a minute? ...",
                    "opt_out_url": "http://127.0.0.1:8000/opt-out/eyJzIjoi...",
                }
            ]
        }
    )

    rank: int
    friend_id: str = Field(description="Your id for this friend; use it to record outcomes")
    name: str | None
    reasons: list[str]
    channel: str | None
    suggested_message: str
    opt_out_url: str = Field(description="A link your friend can follow to never be asked again")
    actions: list[Action] = Field(
        default_factory=list,
        description="One-tap actions with the phone numbers and emails you gave for this friend",
    )
    status: str | None = Field(
        default=None, description="The latest outcome you recorded, or null if not asked yet"
    )


class TargetPage(Page[Target]):
    """Your list, a page at a time, and how many of the friends on it you have asked."""

    asked: int = 0
    notice: str | None = Field(
        default=None, description="Why the list is empty on purpose (the election is over)"
    )


class FriendsReport(BaseModel):
    """What became of every friend you uploaded, by where they stand."""

    counts: dict[str, int]
    names: dict[str, list[str]]
    labels: dict[str, str]


class OutcomeIn(BaseModel):
    """What happened when you asked a friend."""

    friend_id: str
    channel: Literal["call", "text", "in_person", "social", "email"] = "text"
    outcome: Outcome
    client_id: str | None = Field(
        default=None,
        description="Your own id for this record; sending it again does not record it twice",
        max_length=100,
    )


class OutcomeOut(BaseModel):
    """The recorded outcome."""

    id: str
    duplicate: bool


class PendingMatch(BaseModel):
    """A voter record that may be your friend: confirm or reject it."""

    friend_id: str
    name: str | None
    candidate_id: str
    first_name: str | None
    last_name: str | None
    city: str | None
    state: str | None
    birth_year: int | None


class MatchDecision(BaseModel):
    """Your verdict on a suggested match."""

    candidate_id: str
    decision: Literal["confirm", "reject"]


class DeletionOut(BaseModel):
    """What deleting your data removed."""

    supporters: int
    uploads: int
    friend_links: int
    friends_deleted: int
    files_deleted: int


class SettingsOut(BaseModel):
    """The matcher settings in force and their version."""

    version: int
    settings: dict[str, Any]


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(examples=["https://outreach.invalid/problems/consent-required"])
    title: str = Field(examples=["Consent required"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["supporter 'sup-0001' must agree to the current terms (2026-1)"])
    instance: str | None = Field(default=None, examples=["/supporters/sup-0001/uploads"])
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="For invalid input: each line and field at fault, and why",
        examples=[[{"line": 4, "field": "first_name", "reason": "longer than 200 characters"}]],
    )


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("No bearer token, or one that does not verify"),
    403: _problem("Your role or identity does not allow this"),
    404: _problem("No such thing, or not yours"),
    422: _problem("Invalid input; `errors` names each field (and line) at fault"),
}
