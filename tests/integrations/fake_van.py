"""A local stand-in for the NGP VAN API that checks every request against the documented shapes.

It implements what the sync sends (https://docs.ngpvan.com/reference/peoplevanidcanvassresponses,
/savedLists, /exportJobs, the error body of https://docs.ngpvan.com/reference/errors):
HTTP basic auth as the application name and ``API_KEY|0`` or ``|1``, JSON bodies, and a
canvass response with either a ``resultCodeId`` or ``SurveyResponse`` items. A request
that breaks the documented shape is answered 400 with VAN's error body and kept in
``violations``, which each test asserts is empty. ``misbehave`` queues answers for the
next requests on a route: 429 with ``Retry-After``, 500, a time-out, a malformed body.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tests.http_stub import Answer, Received

CANVASS = re.compile(r"^/v4/people/(\d+)/canvassResponses$")
SAVED_LIST = re.compile(r"^/v4/savedLists/(\d+)$")
EXPORT_JOB = re.compile(r"^/v4/exportJobs/(\d+)$")
CONTEXT_KEYS = {"contactTypeId", "inputTypeId", "dateCanvassed", "phoneId",
                "omitActivistCodeContactHistory"}  # fmt: skip
RESPONSE_TYPES = {"SurveyResponse", "ActivistCode", "VolunteerActivity"}


def van_error(status: int, code: str, text: str, *properties: str) -> Answer:
    error: dict[str, Any] = {"code": code, "text": text}
    if properties:
        error["properties"] = list(properties)
    return Answer(status, {"errors": [error]})


@dataclass
class FakeVan:
    """The state of the stand-in: what it accepted, and what was wrong."""

    application_name: str
    api_key: str
    base_url: str = ""
    canvass: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    posts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    violations: list[str] = field(default_factory=list)
    unknown_people: set[str] = field(default_factory=set)
    saved_lists: dict[int, dict[str, Any]] = field(default_factory=dict)
    exports: dict[int, dict[str, Any]] = field(default_factory=dict)
    export_csv: str = ""
    canvass_delay: float = 0.0
    queued: dict[str, list[Answer | str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.canvass.clear()
            self.posts.clear()
            self.violations.clear()
            self.unknown_people.clear()
            self.queued.clear()
            self.exports.clear()
            self.canvass_delay = 0.0

    def misbehave(self, route: str, *answers: Answer | str) -> None:
        """Answer the next requests on ``route`` (canvass, savedList, exportJobs, exportJob,
        download) so; ``"timeout"`` waits past the client's time-out, ``"malformed"`` sends
        a 200 or 500 body that is not JSON."""
        with self.lock:
            self.queued[route].extend(answers)

    def _queued(self, route: str) -> Answer | None:
        with self.lock:
            if not self.queued[route]:
                return None
            answer = self.queued[route].pop(0)
        if answer == "timeout":
            return Answer(204, delay=3.0)
        if answer == "malformed":
            return Answer(200, b"<html>not json</html>", {"Content-Type": "text/html"})
        assert isinstance(answer, Answer)
        return answer

    def _violation(self, text: str, *properties: str) -> Answer:
        with self.lock:
            self.violations.append(text)
        return van_error(400, "INVALID_PARAMETER", text, *properties)

    def _authorised(self, request: Received) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == self.application_name and password in (
            f"{self.api_key}|0",
            f"{self.api_key}|1",
        )

    def __call__(self, request: Received) -> Answer:
        path = request.path.split("?", 1)[0]
        if path.startswith("/downloads/"):
            return self._queued("download") or Answer(
                200, self.export_csv.encode(), {"Content-Type": "text/csv"}
            )
        if not self._authorised(request):
            with self.lock:
                self.violations.append(f"{request.method} {path}: no or wrong basic auth")
            return van_error(401, "UNAUTHORIZED", "Authorization has been denied")
        if request.method in ("POST", "PUT") and not request.headers.get(
            "content-type", ""
        ).startswith("application/json"):
            return self._violation(f"{path}: Content-Type is not application/json")
        if match := CANVASS.match(path):
            return self._canvass(request, match.group(1))
        if (match := SAVED_LIST.match(path)) and request.method == "GET":
            return self._queued("savedList") or self._saved_list(int(match.group(1)))
        if path == "/v4/exportJobs" and request.method == "POST":
            return self._queued("exportJobs") or self._create_export(request)
        if (match := EXPORT_JOB.match(path)) and request.method == "GET":
            return self._queued("exportJob") or self._export(int(match.group(1)))
        return self._violation(f"{request.method} {path}: not a documented endpoint")

    def _canvass(self, request: Received, van_id: str) -> Answer:
        if request.method != "POST":
            return self._violation(f"{request.method} on canvassResponses")
        with self.lock:
            self.posts[van_id] += 1
        queued = self._queued("canvass")
        if queued is not None:
            return queued
        try:
            body = request.json()
        except ValueError:
            return self._violation("the body is not JSON")
        problem = canvass_problem(body)
        if problem:
            return self._violation(problem[0], *problem[1:])
        if van_id in self.unknown_people:
            return van_error(404, "NOT_FOUND", f"Person {van_id} not found", "vanId")
        with self.lock:
            self.canvass[van_id].append(body)
        return Answer(204, delay=self.canvass_delay)

    def _saved_list(self, saved_list_id: int) -> Answer:
        found = self.saved_lists.get(saved_list_id)
        if found is None:
            return van_error(404, "NOT_FOUND", "Saved list not found", "savedListId")
        return Answer(200, found)

    def _create_export(self, request: Received) -> Answer:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("savedListId"), int):
            return self._violation("savedListId is required and must be an integer", "savedListId")
        if not isinstance(body.get("type"), int):
            return self._violation("type is required and must be an integer", "type")
        if set(body) - {"savedListId", "type", "webhookUrl", "surveyQuestions",
                        "activistCodes", "customFields", "districtFields"}:  # fmt: skip
            return self._violation(f"unknown properties {sorted(body)}")
        if body["savedListId"] not in self.saved_lists:
            return van_error(404, "NOT_FOUND", "Saved list not found", "savedListId")
        with self.lock:
            export_id = 9000 + len(self.exports)
            job = {
                "exportJobId": export_id,
                "exportJobGuid": f"7B623929-05DA-4356-BF30-{export_id:012d}",
                "savedListId": body["savedListId"],
                "webhookUrl": body.get("webhookUrl"),
                "downloadUrl": None,
                "status": "Requested",
                "type": body["type"],
                "dateExpired": None,
                "errorCode": None,
                "polls": 0,
            }
            self.exports[export_id] = job
        return Answer(201, {k: v for k, v in job.items() if k != "polls"})

    def _export(self, export_id: int) -> Answer:
        with self.lock:
            job = self.exports.get(export_id)
            if job is None:
                return van_error(404, "NOT_FOUND", "Export job not found", "exportJobId")
            job["polls"] += 1
            if job["polls"] >= 2:
                job["status"] = "Completed"
                job["downloadUrl"] = f"{self.base_url}/downloads/{job['exportJobGuid']}.csv"
            else:
                job["status"] = "Pending"
        return Answer(200, {k: v for k, v in job.items() if k != "polls"})


def canvass_problem(body: Any) -> tuple[str, ...] | None:
    """What breaks the documented canvass response shape, or None."""
    if not isinstance(body, dict):
        return ("the body is not an object",)
    extra = set(body) - {"canvassContext", "resultCodeId", "responses"}
    if extra:
        return (f"unknown properties {sorted(extra)}", *sorted(extra))
    context = body.get("canvassContext")
    if context is not None:
        if not isinstance(context, dict) or set(context) - CONTEXT_KEYS:
            return ("canvassContext has unknown properties", "canvassContext")
        for key in ("contactTypeId", "inputTypeId"):
            if key in context and not isinstance(context[key], int):
                return (f"{key} must be an integer", f"canvassContext.{key}")
        if "dateCanvassed" in context:
            try:
                date.fromisoformat(str(context["dateCanvassed"])[:10])
            except ValueError:
                return ("dateCanvassed is not a date", "canvassContext.dateCanvassed")
    result, responses = body.get("resultCodeId"), body.get("responses")
    if result is not None and not isinstance(result, int):
        return ("resultCodeId must be an integer", "resultCodeId")
    if responses:
        if result is not None:
            return ("resultCodeId must be null when responses are given", "resultCodeId")
        if not isinstance(responses, list):
            return ("responses must be an array", "responses")
        for i, item in enumerate(responses):
            if not isinstance(item, dict) or item.get("type") not in RESPONSE_TYPES:
                return ("each response needs a known type", f"responses[{i}].type")
            if item["type"] == "SurveyResponse" and not (
                isinstance(item.get("surveyQuestionId"), int)
                and isinstance(item.get("surveyResponseId"), int)
            ):
                return ("a SurveyResponse needs surveyQuestionId and surveyResponseId",
                        f"responses[{i}]")  # fmt: skip
    elif result is None:
        return ("give a resultCodeId or responses", "resultCodeId")
    return None
