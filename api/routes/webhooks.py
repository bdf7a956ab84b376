"""Organizer routes for webhooks: register a URL for events, see each one's state, enable, delete.

A webhook that failed too often is disabled; ``GET /organizer/webhooks`` says so and why
(``disabled_reason``), and ``POST /organizer/webhooks/{id}/enable`` turns it back on.
The signature scheme is in the README ("Webhooks").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AppSettings, Graph, Organizer, Reporter
from api.schemas import PROBLEM_RESPONSES, problems
from outreach.core.errors import InvalidInput, NotFound
from outreach.usecases import webhooks

router = APIRouter(prefix="/organizer/webhooks", tags=["organizers"], responses=PROBLEM_RESPONSES)
NO_WEBHOOK = problems((NotFound, "no webhook with this id"))


class WebhookIn(BaseModel):
    """A URL to notify, and the events to send it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.org/outreach",
                    "events": ["outcome.recorded", "friend.opted_out", "rerank.finished"],
                }
            ]
        }
    )

    url: str = Field(max_length=2000, examples=["https://hooks.example.org/outreach"])
    events: list[str] = Field(
        min_length=1,
        max_length=len(webhooks.EVENTS),
        examples=[["outcome.recorded", "friend.opted_out"]],
        description=f"Any of: {', '.join(webhooks.EVENTS)}",
    )


class WebhookOut(BaseModel):
    """A webhook and its state: active, or disabled and why."""

    id: str
    url: str
    events: list[str]
    active: bool
    failures: int = Field(description="Failed tries in a row; at the limit it is disabled")
    disabled_reason: str | None = None
    disabled_at: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None


class WebhookCreated(WebhookOut):
    """A new webhook, with its signing secret: shown this once, keep it."""

    secret: str = Field(description="Verify `Outreach-Signature` with it (see the README)")


class DeliveryOut(BaseModel):
    """One delivery: pending, sent or failed, with the last error."""

    id: str
    event: str
    status: str
    attempts: int
    last_error: str | None = None
    created_at: float | None = None
    sent_at: float | None = None


class WebhookDetail(WebhookOut):
    """A webhook and its latest deliveries, newest first."""

    deliveries: list[DeliveryOut]


def _out(row: dict[str, Any]) -> WebhookOut:
    return WebhookOut.model_validate(row)


@router.get("", response_model=list[WebhookOut])
def list_webhooks(_: Reporter, graph: Graph) -> list[WebhookOut]:
    """Every webhook: its events, whether it is active, and why it was disabled."""
    return [_out(r) for r in webhooks.listing(graph)]


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        (InvalidInput, "the URL is refused (not http(s), or a private address), or an event")
    ),
)
def add_webhook(
    body: WebhookIn, principal: Organizer, graph: Graph, settings: AppSettings
) -> WebhookCreated:
    """Register a URL for events. The answer holds the signing secret, shown only now."""
    made = webhooks.register(
        graph, settings, url=body.url, events=body.events, author=principal.subject
    )
    return WebhookCreated(**made.webhook, secret=made.secret)


@router.get("/{webhook_id}", response_model=WebhookDetail, responses=NO_WEBHOOK)
def webhook_detail(webhook_id: str, _: Reporter, graph: Graph) -> WebhookDetail:
    """One webhook and its latest deliveries."""
    return WebhookDetail.model_validate(webhooks.detail(graph, webhook_id))


@router.post("/{webhook_id}/enable", response_model=WebhookOut, responses=NO_WEBHOOK)
def enable_webhook(webhook_id: str, _: Organizer, graph: Graph) -> WebhookOut:
    """Turn a disabled webhook back on; its count of failures starts again."""
    return _out(webhooks.enable(graph, webhook_id))


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NO_WEBHOOK)
def delete_webhook(webhook_id: str, _: Organizer, graph: Graph) -> None:
    """Remove a webhook: nothing more is sent to it."""
    webhooks.remove(graph, webhook_id)
