"""A typed Python client for this project's HTTP API, for scripts and the CLI's remote mode.

It imports nothing of the server: only ``requests`` and the project's error hierarchy, so
a campaign's data team can install the package and script against a deployed server::

    from outreach.client import OutreachClient

    with OutreachClient("https://outreach.example.org", token=TOKEN) as api:
        api.give_consent("sup-1")
        job = api.upload_and_wait("sup-1", "contacts.csv")
        for friend in api.targets("sup-1").items:
            print(friend["rank"], friend["name"])

Every request carries the bearer token. A 429 is retried after the server's
``Retry-After``; a 5xx, a time-out or a refused connection is retried with exponential
backoff (``backoff * 2**attempt``, capped at ``max_backoff``), up to ``max_retries``
times. A POST that records something (an outcome) always sends an idempotency id, so a
retry cannot record it twice. Any other error answer is raised as an :class:`ApiError`
subclass built from the problem+json body (RFC 9457): ``status``, ``title``, ``detail``,
``type`` and the ``errors`` naming each field at fault.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypedDict, cast

import requests

from outreach.core.errors import OutreachError

__all__ = [
    "ApiError",
    "ApiUnreachable",
    "BadRequest",
    "Conflict",
    "ConsentRequired",
    "Forbidden",
    "Invalid",
    "Job",
    "JobAccepted",
    "JobFailed",
    "NotFound",
    "OutreachClient",
    "RateLimited",
    "ServerError",
    "TargetPage",
    "Unauthorized",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FINAL_JOB_STATES = frozenset({"succeeded", "failed", "skipped"})
JOB_WAIT_MAX_SECONDS = 25.0  # the API holds a long poll on a job at most this long


# --- Errors -------------------------------------------------------------------------------


class ApiError(OutreachError):
    """An error answer from the API, built from its problem+json body."""

    def __init__(self, problem: Mapping[str, Any], status: int) -> None:
        known = {"type", "title", "status", "detail"}
        extra = {k: v for k, v in problem.items() if k not in known}
        slug = str(problem.get("type") or "").rsplit("/", 1)[-1] or "http-error"
        super().__init__(
            str(problem.get("detail") or problem.get("title") or f"HTTP {status}"),
            status,
            str(problem.get("title") or f"HTTP {status}"),
            slug,
            extra,
        )
        self.problem_document = dict(problem)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Each line and field at fault, when the server named them."""
        return list(self.extra.get("errors") or [])


class BadRequest(ApiError):
    """400: a request the server refused as malformed (an analyst query that would write)."""


class Unauthorized(ApiError):
    """401: no token, or a token that does not check out (expired, revoked)."""


class Forbidden(ApiError):
    """403: the token's role may not do this."""


class NotFound(ApiError):
    """404: no such supporter, job, friend or route (or not yours)."""


class Conflict(ApiError):
    """409: the request clashes with what is stored."""


class ConsentRequired(Conflict):
    """409: the supporter has not agreed to the current terms."""


class Invalid(ApiError):
    """422: bad input; :attr:`errors` names each field at fault."""


class RateLimited(ApiError):
    """429 after every retry; :attr:`retry_after` says when to try again."""

    def __init__(self, problem: Mapping[str, Any], status: int, retry_after: float) -> None:
        super().__init__(problem, status)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx after every retry (the graph or the queue unavailable, a bug)."""


class ApiUnreachable(OutreachError):
    """No answer from the server after every retry (refused, reset, timed out)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 503, "API unreachable", "api-unreachable", {})


class JobFailed(OutreachError):
    """A job the client waited for ended failed or skipped; :attr:`job` is its record."""

    def __init__(self, job: Job) -> None:
        detail = f"job {job['id']} {job['status']}: {job.get('message') or 'no reason given'}"
        super().__init__(detail, 500, "Job failed", "job-failed", {"job": dict(job)})
        self.job = job


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Invalid,
}


def error_from_response(response: requests.Response) -> ApiError:
    """The exception for an error answer: problem+json when the body is one, else its text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip()[:300]
        body = {"title": response.reason or f"HTTP {response.status_code}", "detail": text}
    status = response.status_code
    if status == 429:
        return RateLimited(body, status, retry_after_seconds(response) or 0.0)
    if status >= 500:
        return ServerError(body, status)
    if status == 409 and str(body.get("type", "")).endswith("/consent-required"):
        return ConsentRequired(body, status)
    return _BY_STATUS.get(status, ApiError)(body, status)


def retry_after_seconds(response: requests.Response) -> float | None:
    """The ``Retry-After`` header in seconds (only the delta-seconds form), or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


# --- What the API answers ---------------------------------------------------------------


class JobAccepted(TypedDict, total=False):
    """A job the server accepted: watch it at ``status_url``."""

    job_id: str
    status_url: str
    upload_id: str | None
    rank_job_id: str | None


class Job(TypedDict, total=False):
    """A job's record: status, counts per stage, rejected rows."""

    id: str
    kind: str
    status: str
    counts: dict[str, Any]
    errors: list[dict[str, Any]]
    error_count: int | None
    message: str | None
    created_at: str | None
    updated_at: str | None


class Consent(TypedDict):
    """A supporter's agreement to a terms version."""

    supporter_id: str
    consent_version: str
    consented_at: str


class Outcome(TypedDict):
    """A recorded outcome: its id and whether the server already had it."""

    id: str
    duplicate: bool


class Settings(TypedDict, total=False):
    """The matcher settings in force and their version."""

    version: int
    settings: dict[str, Any]
    changed: bool
    rerank_needed: bool
    ranked_with: list[int]
    rank_job_id: str | None


class QueryResult(TypedDict):
    """An analyst query's columns and rows."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    elapsed_ms: int


@dataclass(frozen=True)
class TargetPage:
    """One page of a supporter's "ask these friends" list."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    asked: int = 0
    notice: str | None = None


@dataclass
class _Retry:
    """The retry policy: how many times, and how long to wait between tries."""

    max_retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def wait(self, attempt: int, retry_after: float | None) -> None:
        delay = self.backoff * (2**attempt) if retry_after is None else retry_after
        self.sleep(min(delay, self.max_backoff))


# --- The client ---------------------------------------------------------------------------


class OutreachClient:
    """The API, one method per operation. Use it as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = _Retry(max_retries, backoff, max_backoff, sleep)
        self.session = session or requests.Session()
        self.session.headers["Accept"] = "application/json, application/problem+json"
        self.session.headers["User-Agent"] = "outreach-client"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> OutreachClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    # -- transport -------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request, retrying 429, 5xx and lost connections; raise on an error answer."""
        url = f"{self.base_url}{path}"
        kwargs.setdefault("timeout", self.timeout)
        attempt = 0
        while True:
            files = kwargs.get("files")
            if files:  # a retried upload sends its file again from the start
                for part in files.values():
                    if hasattr(part[1], "seek"):
                        part[1].seek(0)
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retry.max_retries:
                    raise ApiUnreachable(
                        f"{method} {path}: no answer from {self.base_url} after "
                        f"{attempt + 1} tries ({exc.__class__.__name__})"
                    ) from exc
                self.retry.wait(attempt, None)
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            if response.status_code in RETRY_STATUSES and attempt < self.retry.max_retries:
                wait = retry_after_seconds(response) if response.status_code == 429 else None
                self.retry.wait(attempt, wait)
                attempt += 1
                continue
            raise error_from_response(response)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(
                {"title": "Malformed answer", "detail": f"{method} {path} did not answer JSON"},
                response.status_code,
            ) from exc

    # -- session and terms -----------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """Who the token names: subject and role."""
        return cast(dict[str, Any], self._json("GET", "/me"))

    def terms(self) -> dict[str, Any]:
        """The current terms: version, summary and text."""
        return cast(dict[str, Any], self._json("GET", "/terms"))

    # -- supporters ------------------------------------------------------------------------

    def give_consent(self, supporter_id: str, terms_version: str | None = None) -> Consent:
        """Agree to the terms (the current version unless one is named)."""
        version = terms_version or str(self.terms()["version"])
        body = {"terms_version": version}
        return cast(Consent, self._json("POST", f"/supporters/{supporter_id}/consent", json=body))

    def withdraw_consent(self, supporter_id: str) -> None:
        """Withdraw consent: later uploads are refused."""
        self._json("DELETE", f"/supporters/{supporter_id}/consent")

    def upload(
        self, supporter_id: str, file: str | Path | bytes, *, filename: str | None = None
    ) -> JobAccepted:
        """Upload a contact file (CSV, Google CSV, vCard, JSON); it loads as a job."""
        if isinstance(file, bytes):
            data, name = file, filename or "contacts.csv"
        else:
            path = Path(file)
            data, name = path.read_bytes(), filename or path.name
        files = {"file": (name, io.BytesIO(data))}
        return cast(
            JobAccepted, self._json("POST", f"/supporters/{supporter_id}/uploads", files=files)
        )

    def upload_and_wait(
        self,
        supporter_id: str,
        file: str | Path | bytes,
        *,
        filename: str | None = None,
        timeout: float = 600.0,
        poll: float = 0.5,
    ) -> Job:
        """Upload, wait for the load and the re-rank after it; the load's final record."""
        accepted = self.upload(supporter_id, file, filename=filename)
        loaded = self.wait_for_job(accepted["job_id"], timeout=timeout, poll=poll)
        if accepted.get("rank_job_id"):
            self.wait_for_job(str(accepted["rank_job_id"]), timeout=timeout, poll=poll)
        return loaded

    def targets(self, supporter_id: str, *, limit: int = 10, offset: int = 0) -> TargetPage:
        """One page of the supporter's ranked friends to ask, with reasons and links."""
        body = self._json(
            "GET",
            f"/supporters/{supporter_id}/targets",
            params={"limit": limit, "offset": offset},
        )
        return TargetPage(
            items=list(body["items"]),
            total=int(body["total"]),
            limit=int(body["limit"]),
            offset=int(body["offset"]),
            asked=int(body.get("asked") or 0),
            notice=body.get("notice"),
        )

    def iter_targets(self, supporter_id: str, *, page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every friend on the supporter's list, page after page."""
        offset = 0
        while True:
            page = self.targets(supporter_id, limit=page_size, offset=offset)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    def record_outcome(
        self,
        supporter_id: str,
        friend_id: str,
        outcome: str,
        *,
        channel: str = "text",
        client_id: str | None = None,
    ) -> Outcome:
        """Record what happened when the supporter asked a friend; safe to retry."""
        body = {
            "friend_id": friend_id,
            "channel": channel,
            "outcome": outcome,
            "client_id": client_id or uuid.uuid4().hex,
        }
        return cast(Outcome, self._json("POST", f"/supporters/{supporter_id}/outcomes", json=body))

    def friends_report(self, supporter_id: str) -> dict[str, Any]:
        """What became of every friend the supporter uploaded."""
        return cast(dict[str, Any], self._json("GET", f"/supporters/{supporter_id}/friends"))

    def delete_supporter_data(self, supporter_id: str) -> dict[str, int]:
        """Delete everything the supporter uploaded; the counts deleted."""
        return cast(dict[str, int], self._json("DELETE", f"/supporters/{supporter_id}"))

    # -- jobs ------------------------------------------------------------------------------

    def job(self, job_id: str, *, wait: float = 0.0, seen: str | None = None) -> Job:
        """A job's status, counts and rejected rows.

        With ``wait``, the API answers once the job has changed from the version ``seen``
        (its ``updated_at``) or ended, or after ``wait`` seconds (a long poll, at most 25).
        """
        params: dict[str, Any] = {}
        if wait > 0:
            params["wait"] = min(wait, JOB_WAIT_MAX_SECONDS, max(1.0, self.timeout - 5.0))
            if seen is not None:
                params["seen"] = seen
        return cast(Job, self._json("GET", f"/jobs/{job_id}", params=params or None))

    def wait_for_job(
        self, job_id: str, *, timeout: float = 600.0, poll: float = 0.5, check: bool = True
    ) -> Job:
        """Follow the job until it ends; raise :class:`JobFailed` if it did not succeed.

        Each request is a long poll, so the end is seen at once; ``poll`` is the pause
        before asking again when an answer brings nothing new.
        """
        deadline = time.monotonic() + timeout
        seen: str | None = None
        while True:
            left = deadline - time.monotonic()
            job = self.job(job_id, wait=max(0.0, left), seen=seen)
            if job["status"] in FINAL_JOB_STATES:
                if check and job["status"] != "succeeded":
                    raise JobFailed(job)
                return job
            if time.monotonic() > deadline:
                raise OutreachError(
                    f"job {job_id} still {job['status']} after {timeout:.0f}s",
                    504,
                    "Job still running",
                    "job-timeout",
                    {},
                )
            if job.get("updated_at") == seen:
                self.retry.sleep(poll)  # the wait ran out with nothing new
            seen = job.get("updated_at")

    # -- organizers ------------------------------------------------------------------------

    def settings(self) -> Settings:
        """The matcher settings in force."""
        return cast(Settings, self._json("GET", "/organizer/settings"))

    def change_settings(self, changes: Mapping[str, Any], *, rerank: bool = False) -> Settings:
        """Change some settings (a JSON merge patch); ``rerank`` starts a re-rank at once."""
        return cast(
            Settings,
            self._json(
                "PATCH",
                "/organizer/settings",
                params={"rerank": str(rerank).lower()},
                data=json.dumps(dict(changes)),
                headers={"Content-Type": "application/merge-patch+json"},
            ),
        )

    def settings_history(self) -> list[dict[str, Any]]:
        """Every stored version of the settings, newest first."""
        return cast(list[dict[str, Any]], self._json("GET", "/organizer/settings/history"))

    def rerank(self) -> JobAccepted:
        """Start a full re-rank with the settings in force."""
        return cast(JobAccepted, self._json("POST", "/organizer/rerank"))

    def rerank_and_wait(self, *, timeout: float = 1800.0, poll: float = 1.0) -> Job:
        """Start a full re-rank and wait for it to end."""
        return self.wait_for_job(self.rerank()["job_id"], timeout=timeout, poll=poll)

    def expected_votes(self) -> dict[str, Any]:
        """The expected net votes from every assigned ask, with its assumptions."""
        return cast(dict[str, Any], self._json("GET", "/organizer/reports/expected-votes"))

    def report(
        self,
        name: Literal["reach-by-state", "bridge-supporters", "funnel", "lift", "holdout"],
        **params: Any,
    ) -> dict[str, Any]:
        """One of the campaign reports under ``/analytics`` (JSON)."""
        return cast(dict[str, Any], self._json("GET", f"/analytics/{name}", params=params))

    # -- analysts --------------------------------------------------------------------------

    def query(
        self,
        cypher: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
    ) -> QueryResult:
        """Run a read-only Cypher query (a query that would write raises :class:`BadRequest`)."""
        body: dict[str, Any] = {"query": cypher, "parameters": dict(parameters or {})}
        if limit is not None:
            body["limit"] = limit
        return cast(QueryResult, self._json("POST", "/analytics/cypher", json=body))

    # -- integrations ----------------------------------------------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """The registered webhooks, with each one's state and why it was disabled."""
        return cast(list[dict[str, Any]], self._json("GET", "/organizer/webhooks"))

    def add_webhook(self, url: str, events: list[str]) -> dict[str, Any]:
        """Register a URL for events; the answer holds the signing secret, shown once."""
        body = {"url": url, "events": events}
        return cast(dict[str, Any], self._json("POST", "/organizer/webhooks", json=body))

    def enable_webhook(self, webhook_id: str) -> dict[str, Any]:
        """Turn a disabled webhook back on (its failure count starts again)."""
        return cast(dict[str, Any], self._json("POST", f"/organizer/webhooks/{webhook_id}/enable"))

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook; nothing more is sent to it."""
        self._json("DELETE", f"/organizer/webhooks/{webhook_id}")

    def van_mapping(self) -> dict[str, Any]:
        """Which VAN code each outcome becomes when pushed, and the mapping's version."""
        return cast(dict[str, Any], self._json("GET", "/organizer/van/mapping"))

    def set_van_mapping(self, mapping: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the mapping of outcomes to VAN result codes or survey responses."""
        return cast(dict[str, Any], self._json("PUT", "/organizer/van/mapping", json=dict(mapping)))

    def van_push(self) -> JobAccepted:
        """Push recorded outcomes to VAN as canvass responses (each sent once, ever)."""
        return cast(JobAccepted, self._json("POST", "/organizer/van/push"))

    def van_pull(self, saved_list_id: int) -> JobAccepted:
        """Export a VAN saved list and load it as a voter file."""
        body = {"saved_list_id": saved_list_id}
        return cast(JobAccepted, self._json("POST", "/organizer/van/pull", json=body))

    def van_sync(
        self, status: str | None = None, *, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        """Pushed outcomes per state (pending, sent, failed), and a page of them with reasons."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status:
            params["status"] = status
        return cast(dict[str, Any], self._json("GET", "/organizer/van/sync", params=params))
