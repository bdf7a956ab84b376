"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from graph.outcomes import Outcome
from outreach.core.errors import (
    Forbidden,
    GraphUnavailable,
    InvalidInput,
    NotFound,
    OutreachError,
    TooManyRequests,
    Unauthorized,
)
from outreach.usecases.organizer_settings import MatcherSettings

T = TypeVar("T")

# Paging is bounded in the schema: an offset past these is a 422 that names it, never a
# number the graph cannot hold (a Bolt integer is 64 bits; the local server's SKIP is 32).
MAX_OFFSET = 1_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, ``total`` in all."""

    items: list[T]
    total: int
    limit: int = Field(ge=0)
    offset: int = Field(ge=0, le=MAX_OFFSET)


class ConsentIn(BaseModel):
    """The terms version the supporter agrees to (``GET /terms`` serves the current one)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"terms_version": "2026-1"}]})

    terms_version: str = Field(examples=["2026-1"])


class TermsOut(BaseModel):
    """The terms a supporter agrees to before uploading: version, summary and full text."""

    version: str = Field(examples=["2026-1"])
    summary: str
    text: str = Field(description="The full terms, as Markdown")


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
    started_at: str | None = Field(
        default=None, description="When a worker started it: the wait in the queue ends there"
    )
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "friend_id": "3f9a1c0d2b7e4a5f6c81",
                    "channel": "call",
                    "outcome": "will_vote",
                    "client_id": "phone-7d1e",
                }
            ]
        }
    )

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

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"candidate_id": "NC-000123456", "decision": "confirm"}]}
    )

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
    """The matcher settings in force, their version, and whether the rankings use them."""

    version: int = Field(description="The stored version of these settings")
    settings: MatcherSettings
    changed: bool = Field(
        default=False, description="For a change: true if it stored a new version"
    )
    rerank_needed: bool = Field(
        description="True when the rankings were made with other settings and no re-rank "
        "was started: POST /organizer/rerank (or PATCH with ?rerank=true) applies them"
    )
    ranked_with: list[int] = Field(
        description="The settings versions that made the rankings in the graph now"
    )
    rank_job_id: str | None = Field(default=None, description="The re-rank started, if any")


class SettingChange(BaseModel):
    """One setting that differs from the version before, by its dotted path."""

    path: str = Field(examples=["weights.WI"])
    before: Any = Field(description="The value before; null if it was not set")
    after: Any = Field(description="The value after; null if it was removed")


class SettingsVersion(BaseModel):
    """One stored version of the settings: who made it, when, and what it changed."""

    version: int
    fingerprint: str | None = Field(description="A hash of the settings, equal for equal ones")
    author: str | None
    created_at: str | None
    patch: dict[str, Any] | None = Field(
        description="The JSON merge patch (RFC 7396) from the version before to this one; "
        "null for the first version"
    )
    changes: list[SettingChange]


class ModelInputCounts(BaseModel):
    """Friends in the targets, by what their support and turnout come from."""

    friends: int
    support_score: int = Field(description="Support from the campaign's model score")
    support_party: int = Field(description="From major-party registration or primary ballot")
    support_prior: int = Field(description="Neither: the prior for a supporter's friend")
    turnout_imputed: int = Field(description="No turnout on the file: imputed from age")


class StateModelInputs(ModelInputCounts):
    """The same counts in one state."""

    state: str


class ModelInputs(BaseModel):
    """How much of the graph rests on the support prior and on imputed turnout."""

    friends: ModelInputCounts
    share_on_support_prior: float | None
    by_state: list[StateModelInputs]
    support_prior: float


class HoldoutArm(BaseModel):
    """One arm of the holdout: friends, and randomization units (households or friends)."""

    friends: int
    units: int


class HoldoutPower(BaseModel):
    """The holdout's size and the smallest rise in turnout it can detect."""

    settings_version: int
    holdout_share: float
    randomized_by: Literal["household", "friend"]
    held_out: HoldoutArm
    treated: HoldoutArm
    base_rate: float
    alpha: float
    power: float
    minimum_detectable_lift: float | None = Field(
        description="As a share (0.03 = 3 points); none until both arms have units"
    )
    share_to_detect: dict[str, float | None] = Field(
        description="The holdout share that would detect a lift of 0.02, 0.03, 0.05"
    )
    note: str


class StatusCounts(BaseModel):
    """Friends by stage, and asked friends by their latest reply."""

    assigned: int
    asked: int
    no_reply: int
    will_vote: int
    registered: int
    already_voted: int
    not_interested: int
    wrong_person: int
    do_not_contact: int


class StateExpectedVotes(BaseModel):
    """Expected votes from the asks assigned in one state or district."""

    state: str | None
    asks: int
    expected_net_votes: float = Field(description="In votes, with no state weight")
    expected_mobilization: float | None = None
    expected_persuasion: float | None = None
    weighted_value: float | None = Field(
        default=None, description="The same, weighted by the state's weight"
    )
    asks_on_support_prior: int | None = None
    asks_on_party: int | None = None
    asks_on_imputed_turnout: int | None = None


class MeasuredDelivery(BaseModel):
    """How many assigned friends were asked, against the prior the model assumes."""

    friends_assigned: int
    friends_asked: int
    ask_rate: float | None
    interval_95: list[float] | None
    prior: dict[str, float]
    note: str


class ExpectedVotes(BaseModel):
    """The expected net votes from every assigned ask, with the assumptions behind them."""

    asks_assigned: int = Field(
        description="Asks assigned now: one per (supporter, friend) ranking; with k = 1, the "
        "friends assigned"
    )
    expected_net_votes: float
    weighted_value: float | None = None
    weighted_value_unit: str | None = None
    by_state: list[StateExpectedVotes] | None = None
    ranking_versions: list[int]
    settings_version: int
    warnings: list[str] | None = None
    assumptions: dict[str, Any] = Field(
        description="The model's formula and parameters as set (see docs/impact_model.md)"
    )
    measured_delivery: MeasuredDelivery


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(examples=["https://outreach.invalid/problems/consent-required"])
    title: str = Field(examples=["Consent required"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["supporter 'sup-0001' must agree to the current terms (2026-1)"])
    instance: str | None = Field(default=None, examples=["/supporters/sup-0001/uploads"])
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="For invalid input: each field (and, for files, line) at fault, and why",
        examples=[[{"line": 4, "field": "first_name", "reason": "longer than 200 characters"}]],
    )


PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def problems(*errors: tuple[type[OutreachError], str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for these errors, by status, each with its problem type and an example.

    The status, title and type come from the error classes themselves, so the description
    cannot drift from what the handlers send.
    """
    by_status: dict[int | str, dict[str, Any]] = {}
    for cls, when in errors:
        error = cls(when)
        entry = by_status.setdefault(
            error.status,
            {
                "description": "",
                "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA, "examples": {}}},
            },
        )
        line = f"`{error.type_slug}` ({error.title}): {when}"
        entry["description"] = "; ".join(filter(None, [entry["description"], line]))
        entry["content"]["application/problem+json"]["examples"][error.type_slug] = {
            "summary": error.title,
            "value": error.problem(),
        }
    return by_status


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = problems(
    (Unauthorized, "no bearer token, or one that does not verify"),
    (Forbidden, "your role or identity does not allow this"),
    (NotFound, "no such thing, or not yours"),
    (InvalidInput, "invalid input; `errors` names each field (and line) at fault"),
    (GraphUnavailable, "the graph database cannot be reached; try again"),
)


RATE_LIMITED: dict[int | str, dict[str, Any]] = problems(
    (TooManyRequests, "a rate limit is reached; the Retry-After header says when to try again")
)
