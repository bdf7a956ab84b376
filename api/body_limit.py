"""Request bodies are bounded while they stream in: in size, and in how slowly they come.

Without this, the whole body of a request is received (and a multipart upload spooled to
disk) before any route sees it, so the upload limit was checked only after a 10 GB body
had been written to the temporary folder; and a client sending one byte a minute held
its request open for ever.

- A ``Content-Length`` over the limit is refused before a byte of the body is read.
- A body that streams past the limit (chunked, or longer than it said) is refused as soon
  as it does; nothing more of it is read.
- A body that stops arriving for ``OUTREACH_REQUEST_BODY_IDLE_SECONDS``, or is still
  arriving after ``OUTREACH_REQUEST_BODY_MAX_SECONDS``, is refused with 408.

The limit is ``OUTREACH_UPLOAD_MAX_BYTES`` plus room for the multipart envelope; the
upload route then checks the file itself against ``OUTREACH_UPLOAD_MAX_BYTES``. Slow
*headers* are the front proxy's to bound (see SECURITY.md).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outreach.core.errors import FileRejected, OutreachError
from outreach.core.settings import get_settings

ENVELOPE_BYTES: Final = 64 * 1024  # multipart boundaries and part headers


class _Refused(Exception):
    def __init__(self, error: OutreachError) -> None:
        super().__init__(error.detail)
        self.error = error


def _too_large(limit: int) -> OutreachError:
    return FileRejected(
        f"the request body is larger than the limit of {limit} bytes "
        "(OUTREACH_UPLOAD_MAX_BYTES, with room for the form around the file)",
        limit=limit,
    )


def _too_slow(detail: str) -> OutreachError:
    return OutreachError(detail, 408, "Request timeout", "request-timeout")


@dataclass
class _Body:
    received: int = 0
    done: bool = False
    refused: OutreachError | None = None
    answered: bool = False


class BodyLimit:
    """ASGI middleware bounding every request body in size and time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        limit = settings.upload_max_bytes + ENVELOPE_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _respond(send, _too_large(limit), close=True)
            return
        idle, longest = settings.request_body_idle_seconds, settings.request_body_max_seconds
        started = time.monotonic()
        state = _Body()

        async def limited_receive() -> Message:
            if state.refused is not None:
                raise _Refused(state.refused)
            if state.done:  # the body is in: later reads wait for a disconnect
                return await receive()
            left = longest - (time.monotonic() - started)
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.001, min(idle, left)))
            except TimeoutError:
                slow = _too_slow(
                    f"the request body stopped arriving (nothing for {idle:g} s, or still "
                    f"arriving after {longest:g} s); send it again"
                )
                state.refused = slow
                raise _Refused(slow) from None
            if message["type"] == "http.request":
                state.done = not message.get("more_body", False)
                state.received += len(message.get("body", b""))
                if state.received > limit:
                    large = _too_large(limit)
                    state.refused = large
                    raise _Refused(large)
            return message

        async def guarded_send(message: Message) -> None:
            if state.refused is None:
                await send(message)
                return
            # The app answered the interrupted body (FastAPI calls it a parse error):
            # the client gets the real reason instead.
            if message["type"] == "http.response.start" and not state.answered:
                state.answered = True
                await _respond(send, state.refused, close=True)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _Refused as refused:
            if not state.answered:
                state.answered = True
                await _respond(send, refused.error, close=True)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _respond(send: Send, error: OutreachError, *, close: bool) -> None:
    body = json.dumps(error.problem()).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the rest of the body is not read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
