"""The NGP VAN / EveryAction API: canvass responses out, saved-list exports in.

Followed from the public documentation:

* Authentication (HTTP basic: the application name as user, the API key followed by
  ``|0`` for My Voters or ``|1`` for My Campaign as password; ``Content-Type:
  application/json``): https://docs.ngpvan.com/docs/faqs ("did you remember to include
  the |0 or |1 after your key"), https://docs.everyaction.com/reference/authentication-1
* ``POST /people/{vanId}/canvassResponses`` (``canvassContext`` with ``contactTypeId``,
  ``inputTypeId``, ``dateCanvassed``; either ``resultCodeId``, or ``responses`` of
  ``{"type": "SurveyResponse", "surveyQuestionId", "surveyResponseId"}`` with
  ``resultCodeId`` null; answers 204 No Content):
  https://docs.ngpvan.com/reference/peoplevanidcanvassresponses
* ``GET /savedLists/{savedListId}``, ``POST /exportJobs`` (``savedListId``, ``type``,
  optional ``webhookUrl``) and ``GET /exportJobs/{exportJobId}`` (``status`` Requested,
  Pending, Completed or Error; ``downloadUrl`` once Completed, a CSV):
  https://docs.ngpvan.com/reference/common-models-19 (Export Job),
  https://docs.everyaction.com/reference/common-models-19
* Errors: a status of 400 or more and ``{"errors": [{"code", "text", "properties",
  "referenceCode", "hint", "resourceUrl"}]}``: https://docs.ngpvan.com/reference/errors
* Rate limits: a 429 is answered after its ``Retry-After``; 5xx and lost connections are
  retried with exponential backoff.

A canvass response has no idempotency key in VAN, so a POST whose answer was lost (a
read time-out) is never retried here: :class:`VanAmbiguous` says VAN may have it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from urllib3.exceptions import NewConnectionError

from outreach.core.errors import OutreachError, RowError, SettingsInvalid

DEFAULT_BASE_URL = "https://api.securevan.com/v4"
MAX_RETRY_AFTER = 120.0
Channel = Literal["call", "text", "in_person", "social", "email"]


class VanUnavailable(OutreachError):
    """VAN did not take the request after every retry (429, 5xx, no connection): try later."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 503, "VAN unavailable", "van-unavailable", {})


class VanRejected(OutreachError):
    """VAN refused the request (a 4xx other than 429), with its error codes and texts."""

    def __init__(self, detail: str, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, 502, "VAN refused the request", "van-rejected", {})
        self.van_status = status
        self.van_errors = errors


class VanAmbiguous(OutreachError):
    """A write whose answer was lost: VAN may or may not have recorded it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 504, "VAN did not answer", "van-no-answer", {})


class VanNotConfigured(OutreachError):
    """No application name or API key: there is nothing to sync with."""

    def __init__(self) -> None:
        super().__init__(
            "VAN is not configured: set OUTREACH_VAN_APPLICATION_NAME and OUTREACH_VAN_API_KEY",
            409,
            "VAN not configured",
            "van-not-configured",
            {},
        )


# --- The organizer's mapping: our outcomes to VAN's codes -------------------------------


class VanCode(BaseModel):
    """One outcome in VAN: a result code, or a survey question's response."""

    model_config = ConfigDict(extra="forbid")

    result_code_id: int | None = Field(default=None, ge=1)
    survey_question_id: int | None = Field(default=None, ge=1)
    survey_response_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_form(self) -> VanCode:
        survey = (self.survey_question_id, self.survey_response_id)
        if self.result_code_id is not None and any(v is not None for v in survey):
            raise ValueError("give a result_code_id or a survey question and response, not both")
        if self.result_code_id is None and None in survey:
            raise ValueError(
                "give a result_code_id, or both survey_question_id and survey_response_id"
            )
        return self


class VanMapping(BaseModel):
    """The organizer's settings for the push: which VAN code each outcome becomes.

    An outcome with no code here is not pushed (``asked`` usually has none).
    ``contact_types`` maps our channels to VAN contact type ids; ``input_type_id``
    is sent in every canvass context when set.
    """

    model_config = ConfigDict(extra="forbid")

    outcomes: dict[str, VanCode] = Field(default_factory=dict)
    contact_types: dict[Channel, int] = Field(default_factory=dict)
    input_type_id: int | None = Field(default=None, ge=1)

    @classmethod
    def parse(cls, data: Mapping[str, Any], known_outcomes: tuple[str, ...]) -> VanMapping:
        """Validate an organizer's mapping; each error names its field."""
        try:
            mapping = cls.model_validate(dict(data))
        except ValidationError as exc:
            errors = [
                RowError(None, ".".join(str(p) for p in e["loc"]) or "body", e["msg"])
                for e in exc.errors()
            ]
            raise SettingsInvalid("the VAN mapping is not valid", errors) from exc
        unknown = [o for o in mapping.outcomes if o not in known_outcomes]
        if unknown:
            raise SettingsInvalid(
                "the VAN mapping names an outcome we do not record",
                [RowError(None, f"outcomes.{o}", f"outcomes are {', '.join(known_outcomes)}")
                 for o in unknown],
            )  # fmt: skip
        return mapping


def canvass_response(
    mapping: VanMapping, *, outcome: str, channel: str, canvassed: date
) -> dict[str, Any] | None:
    """The documented body of a canvass response for one outcome, or None if unmapped."""
    code = mapping.outcomes.get(outcome)
    if code is None:
        return None
    context: dict[str, Any] = {"dateCanvassed": canvassed.isoformat()}
    contact_type = mapping.contact_types.get(channel)  # type: ignore[call-overload]
    if contact_type is not None:
        context["contactTypeId"] = contact_type
    if mapping.input_type_id is not None:
        context["inputTypeId"] = mapping.input_type_id
    if code.result_code_id is not None:
        return {"canvassContext": context, "resultCodeId": code.result_code_id}
    return {
        "canvassContext": context,
        "resultCodeId": None,
        "responses": [
            {
                "type": "SurveyResponse",
                "surveyQuestionId": code.survey_question_id,
                "surveyResponseId": code.survey_response_id,
            }
        ],
    }


# --- The HTTP client ----------------------------------------------------------------------


def error_text(response: requests.Response) -> tuple[str, list[dict[str, Any]]]:
    """VAN's standard error body as one line (``CODE: text (properties)``), and the list."""
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return f"HTTP {response.status_code} with no VAN error body", []
    parts = []
    for error in errors[:5]:
        if not isinstance(error, dict):
            continue
        where = ", ".join(str(p) for p in error.get("properties") or [])
        parts.append(
            f"{error.get('code', 'ERROR')}: {error.get('text', '')}"
            + (f" ({where})" if where else "")
        )
    return f"HTTP {response.status_code} " + "; ".join(parts), [
        e for e in errors if isinstance(e, dict)
    ]


def never_sent(exc: requests.ConnectionError) -> bool:
    """True if the connection was refused or never made, so nothing reached VAN."""
    cause = exc.args[0] if exc.args else None
    return isinstance(getattr(cause, "reason", None), NewConnectionError)


@dataclass
class VanClient:
    """A few VAN endpoints, with retries. ``database_mode`` 0 is My Voters, 1 My Campaign."""

    application_name: str
    api_key: str
    database_mode: int = 0
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    max_retries: int = 4
    retry_seconds: float = 2.0
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.http = self.session or requests.Session()
        self.http.auth = (self.application_name, f"{self.api_key}|{self.database_mode}")
        self.http.headers.update({"Accept": "application/json", "User-Agent": "outreach-van-sync"})

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _wait(self, attempt: int, response: requests.Response | None) -> None:
        delay = self.retry_seconds * 2**attempt
        if response is not None and response.status_code == 429:
            with contextlib.suppress(ValueError):
                delay = float(response.headers.get("Retry-After", delay))
        self.sleep(min(max(delay, 0.0), MAX_RETRY_AFTER))

    def request(
        self, method: str, path: str, *, json: Any = None, retry_lost_answer: bool = True
    ) -> requests.Response:
        """Send one request; retry 429, 5xx and connections never made; raise on the rest.

        ``retry_lost_answer`` False: a request sent whose answer never came (a read
        time-out) raises :class:`VanAmbiguous` rather than being sent again.
        """
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            response: requests.Response | None = None
            try:
                response = self.http.request(method, url, json=json, timeout=self.timeout)
            except requests.ConnectTimeout:
                reason = f"could not connect within {self.timeout:g}s"
            except requests.Timeout as exc:  # the request went out; its answer did not come
                if not retry_lost_answer:
                    raise VanAmbiguous(
                        f"{method} {path}: no answer within {self.timeout:g}s; VAN may have it"
                    ) from exc
                reason = f"no answer within {self.timeout:g}s"
            except requests.ConnectionError as exc:
                if not retry_lost_answer and not never_sent(exc):
                    raise VanAmbiguous(
                        f"{method} {path}: the connection dropped before the answer; "
                        "VAN may have it"
                    ) from exc
                reason = f"could not reach VAN ({exc.__class__.__name__})"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code != 429 and response.status_code < 500:
                    detail, errors = error_text(response)
                    raise VanRejected(f"{method} {path}: {detail}", response.status_code, errors)
                reason = error_text(response)[0]
            if attempt >= self.max_retries:
                raise VanUnavailable(f"{method} {path}: {reason}, after {attempt + 1} tries")
            self._wait(attempt, response)
            attempt += 1

    def _json(self, method: str, path: str, *, json: Any = None) -> dict[str, Any]:
        response = self.request(method, path, json=json)
        try:
            body = response.json()
        except ValueError as exc:
            raise VanUnavailable(
                f"{method} {path}: VAN answered something that is not JSON"
            ) from exc
        if not isinstance(body, dict):
            raise VanUnavailable(f"{method} {path}: VAN answered JSON that is not an object")
        return body

    def apply_canvass_response(self, van_id: str, body: dict[str, Any]) -> None:
        """``POST /people/{vanId}/canvassResponses``; never re-sent once it may have landed."""
        self.request(
            "POST", f"/people/{van_id}/canvassResponses", json=body, retry_lost_answer=False
        )

    def saved_list(self, saved_list_id: int) -> dict[str, Any]:
        """``GET /savedLists/{savedListId}``: its name and size."""
        return self._json("GET", f"/savedLists/{saved_list_id}")

    def create_export_job(self, saved_list_id: int, export_type: int) -> dict[str, Any]:
        """``POST /exportJobs`` for a saved list with the committee's export type."""
        body = {"savedListId": saved_list_id, "type": export_type}
        job = self._json("POST", "/exportJobs", json=body)
        if not isinstance(job.get("exportJobId"), int):
            raise VanUnavailable("POST /exportJobs: the answer has no exportJobId")
        return job

    def export_job(self, export_job_id: int) -> dict[str, Any]:
        """``GET /exportJobs/{exportJobId}``: status, and the download URL once Completed."""
        return self._json("GET", f"/exportJobs/{export_job_id}")

    def download(self, url: str, destination: Any) -> int:
        """Stream a completed export (a CSV) to ``destination`` (binary); bytes written."""
        written = 0
        try:
            with requests.get(url, stream=True, timeout=self.timeout) as response:
                if response.status_code >= 400:
                    raise VanUnavailable(
                        f"the export download answered HTTP {response.status_code}"
                    )
                for chunk in response.iter_content(chunk_size=1 << 16):
                    destination.write(chunk)
                    written += len(chunk)
        except requests.RequestException as exc:
            raise VanUnavailable(f"the export download failed ({exc.__class__.__name__})") from exc
        return written
