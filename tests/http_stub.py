"""A scripted local HTTP server: each request is recorded and answered by a Python function.

It stands in for a remote party (a deployed API answering 429s, a webhook receiver) so a
test can see exactly what the code under test sent, and make the far end misbehave.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    """What to send back."""

    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[Received], Answer]


@dataclass
class Stub:
    """A running stub: its base URL and every request it received."""

    url: str
    received: list[Received]
    port: int


@contextmanager
def serve(handler: Handler, port: int = 0) -> Iterator[Stub]:
    """Run a stub on ``port`` (default: a free one) until the block ends."""
    received: list[Received] = []
    lock = threading.Lock()
    stop = threading.Event()

    class _Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            with lock:
                received.append(request)
            answer = handler(request)
            if answer.delay:
                stop.wait(answer.delay)
            body = answer.body
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(answer.status)
                headers = dict(answer.headers)
                if not isinstance(body, bytes):
                    headers.setdefault("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = int(server.server_address[1])
    try:
        yield Stub(url=f"http://127.0.0.1:{port}", received=received, port=port)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
