"""Outbound URLs checked against server-side request forgery.

A webhook URL is typed by an organizer and fetched by our workers, inside the
campaign's network: it must not reach the workers' own loopback, the cloud's metadata
service (169.254.169.254, link-local), or private networks, unless the deployment says
so (``OUTREACH_WEBHOOK_ALLOW_PRIVATE_URLS``, for a receiver on the same network).
The host is resolved and every address it resolves to is checked, at registration and
again before each delivery; redirects are never followed. A name can be re-pointed
between that check and the connection (DNS rebinding), so :func:`guarded_session` also
checks the address each connection actually reached, before a byte of the request is
sent, and ignores proxy settings from the environment.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from outreach.core.errors import InvalidInput, RowError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refused(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"the URL is refused: {reason}", [RowError(None, field, reason)])


def not_public(address: Address) -> str | None:
    """Why an address is not a public one, or None if it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return not_public(address.ipv4_mapped)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (such as the cloud metadata service)"
    if address.is_private:
        return "a private network address"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "a reserved, multicast or unspecified address"
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refused("url", f"the host {host!r} does not resolve") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str, *, allow_private: bool, field: str = "url") -> str:
    """The URL, if it is http(s) with a host and (unless allowed) only public addresses."""
    if len(url) > 2000:
        raise _refused(field, "longer than 2000 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise _refused(field, "only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise _refused(field, "the URL names no host")
    if parts.username or parts.password:
        raise _refused(field, "credentials in the URL are not allowed; the body is signed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise _refused(field, "the port is not a number from 1 to 65535") from exc
    if allow_private:
        return url
    for address in resolve(parts.hostname, port):
        why = not_public(address)
        if why:
            raise _refused(
                field,
                f"{parts.hostname} is {why} ({address}); set "
                "OUTREACH_WEBHOOK_ALLOW_PRIVATE_URLS=true to allow it",
            )
    return url


class BlockedAddress(ConnectionError):
    """A connection reached an address that is not public."""


def _check_peer(sock: Any) -> None:
    address = ipaddress.ip_address(str(sock.getpeername()[0]).split("%", 1)[0])
    why = not_public(address)
    if why:
        sock.close()
        raise BlockedAddress(f"the URL's host is now {why} ({address}); nothing was sent")


class _GuardedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def guarded_session(*, allow_private: bool) -> requests.Session:
    """A session for user-given URLs: no environment proxies, and (unless private addresses
    are allowed) a connection that reaches a non-public address is closed before sending."""
    session = requests.Session()
    session.trust_env = False
    if not allow_private:
        adapter = _GuardedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def blocked_reason(exc: BaseException) -> str | None:
    """The reason a request failed on :class:`BlockedAddress`, if it did."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BlockedAddress):
            return str(current)
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return None
