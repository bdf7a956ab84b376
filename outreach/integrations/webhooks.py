"""Sending one webhook delivery: a signed POST, no redirects, a bounded wait.

The body is the delivery's stored JSON, byte for byte the same on every try, so a
receiver sees one idempotency id (``Outreach-Webhook-Id``) for one event however often
it is retried. See :mod:`outreach.integrations.signing` for ``Outreach-Signature``.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from outreach.integrations.signing import HEADER, sign
from outreach.integrations.urls import blocked_reason

USER_AGENT = "outreach-webhooks/1"


@dataclass(frozen=True)
class Sent:
    """How one try went: delivered (a 2xx), or why not."""

    ok: bool
    status: int | None
    reason: str


def post(
    url: str,
    *,
    secret: str,
    delivery_id: str,
    event: str,
    body: bytes,
    timeout: float,
    session: requests.Session | None = None,
) -> Sent:
    """POST ``body`` to ``url``, signed; never raises for what the far end does."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Outreach-Webhook-Id": delivery_id,
        "Outreach-Event": event,
        HEADER: sign(secret, body),
    }
    sender = session or requests
    try:
        response = sender.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.Timeout:
        return Sent(False, None, f"no answer within {timeout:g}s")
    except requests.ConnectionError as exc:
        blocked = blocked_reason(exc)
        if blocked:
            return Sent(False, None, blocked)
        return Sent(False, None, f"could not connect ({exc.__class__.__name__})")
    except requests.RequestException as exc:
        return Sent(False, None, f"the request failed ({exc.__class__.__name__})")
    status = response.status_code
    response.close()
    if 200 <= status < 300:
        return Sent(True, status, f"HTTP {status}")
    if 300 <= status < 400:
        return Sent(False, status, f"HTTP {status}: redirects are not followed")
    return Sent(False, status, f"HTTP {status} from the receiver")
