"""Tokens: every supporter-scoped route refuses missing, tampered, expired, wrong-secret,
revoked and other people's tokens; revoking one user's tokens leaves everyone else's.

Everything runs against the real API process over HTTP and the real graph.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from neo4j import Driver

from api.app import allowed_callers
from api.deps import supporter_self
from api.routes import jobs, organizer, session, supporters
from outreach.core.settings import Settings
from outreach.core.tokens import SALT, issue_token
from outreach.usecases import accounts, consent
from tests.factories import contacts_csv, unique


def _uses_supporter_self(route: APIRoute) -> bool:
    return allowed_callers(route.dependant) == supporter_self.allowed  # type: ignore[attr-defined]


# Deleting the supporter comes last: it revokes their tokens.
SUPPORTER_ROUTES = sorted(
    (method, route.path)
    for router in (supporters.router, jobs.router, session.router, organizer.router)
    for route in router.routes
    if isinstance(route, APIRoute) and _uses_supporter_self(route)
    for method in route.methods
)
SUPPORTER_ROUTES.sort(key=lambda route: route == ("DELETE", "/supporters/{supporter_id}"))


def _call(client: httpx.Client, method: str, path: str, supporter: str) -> httpx.Response:
    """One plausible request to a supporter-scoped route, for ``supporter``."""
    url = path.replace("{supporter_id}", supporter).replace("{friend_id}", "f-nobody")
    body: dict[str, Any] | None = None
    if url.endswith("/consent") and method == "POST":
        body = {"terms_version": consent.CURRENT_TERMS}
    elif url.endswith("/outcomes"):
        body = {"friend_id": "f-nobody", "channel": "sms", "outcome": "will_vote"}
    elif "/matches/" in url:
        body = {"candidate_id": "V-nobody", "decision": "reject"}
    if url.endswith("/uploads"):
        files = {"file": ("c.csv", contacts_csv([{"first_name": "A", "phone": "x"}]), "text/csv")}
        return client.request(method, url, files=files)
    return client.request(method, url, json=body)


def _client(api_url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.Client(base_url=api_url, headers=headers, timeout=30)


def _expired(settings: Settings, subject: str) -> str:
    """A token signed with the real secret whose signing time is past the maximum age."""
    past = int(time.time()) - settings.token_max_age_seconds - 60

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return past

    serializer = URLSafeTimedSerializer(
        settings.api_secret.get_secret_value(), salt=SALT, signer=PastSigner
    )
    return str(serializer.dumps({"sub": subject, "role": "supporter"}))


def _tampered(token: str) -> str:
    body, signature = token.rsplit(".", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{body}.{flipped}"


def _wrong_secret(settings: Settings, subject: str) -> str:
    other = settings.model_copy(update={"api_secret": type(settings.api_secret)("not-ours")})
    return issue_token(other, subject=subject, role="supporter")


def _wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_the_supporter_routes_are_found() -> None:
    paths = {path for _, path in SUPPORTER_ROUTES}
    assert "/supporters/{supporter_id}/targets" in paths
    assert "/supporters/{supporter_id}/uploads" in paths
    assert "/supporters/{supporter_id}" in paths
    assert len(SUPPORTER_ROUTES) >= 9


def test_bad_tokens_and_other_callers_are_refused_on_every_supporter_route(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    victim, other = unique("victim"), unique("other")
    revoked_one = unique("revoked")
    revoked_token = accounts.token(driver, settings, subject=revoked_one, role="supporter")
    with _client(api_url, accounts.token(driver, settings, subject="adm", role="admin")) as admin:
        assert admin.post(f"/users/{revoked_one}/revoke-tokens").status_code == 200

    def token_for(subject: str, role: str) -> str:
        return accounts.token(driver, settings, subject=subject, role=role)

    refused: dict[str, tuple[str | None, str, int]] = {
        "no token": (None, victim, 401),
        "tampered": (_tampered(token_for(victim, "supporter")), victim, 401),
        "expired": (_expired(settings, victim), victim, 401),
        "wrong secret": (_wrong_secret(settings, victim), victim, 401),
        "revoked": (revoked_token, revoked_one, 401),
        "another supporter": (token_for(other, "supporter"), victim, 403),
        "an organizer": (token_for(unique("org"), "organizer"), victim, 403),
        "an analyst": (token_for(unique("ana"), "analyst"), victim, 403),
    }
    failures = []
    for case, (token, target, expected) in refused.items():
        with _client(api_url, token) as client:
            for method, path in SUPPORTER_ROUTES:
                response = _call(client, method, path, target)
                if response.status_code != expected:
                    failures.append((case, method, path, response.status_code))
                elif response.headers["content-type"] != "application/problem+json":
                    failures.append((case, method, path, response.headers["content-type"]))
    assert not failures, failures

    # The same routes let the supporter themself (and an admin) through.
    with _client(api_url, token_for(victim, "supporter")) as own:
        for method, path in SUPPORTER_ROUTES:
            assert _call(own, method, path, victim).status_code not in (401, 403), (method, path)
    with _client(api_url, token_for("adm", "admin")) as admin:
        for method, path in SUPPORTER_ROUTES:
            response = _call(admin, method, path, unique("anyone"))
            assert response.status_code not in (401, 403), (method, path)


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("supporter", "GET", "/me"),
        ("organizer", "GET", "/organizer/settings"),
        ("analyst", "GET", "/analytics/funnel"),
        ("admin", "GET", "/organizer/settings"),
    ],
)
def test_revoking_one_user_leaves_everyone_elses_tokens(
    api_url: str, driver: Driver, settings: Settings, role: str, method: str, path: str
) -> None:
    target, bystander = unique(role), unique(role)
    old = accounts.token(driver, settings, subject=target, role=role)
    kept = accounts.token(driver, settings, subject=bystander, role=role)
    with _client(api_url, old) as before:
        assert before.request(method, path).status_code == 200
    with _client(api_url, accounts.token(driver, settings, subject="adm", role="admin")) as admin:
        answer = admin.post(f"/users/{target}/revoke-tokens")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"subject": target, "token_version": 1}
    with _client(api_url, old) as revoked:
        refused = revoked.request(method, path)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["detail"]
    with _client(api_url, kept) as other:
        assert other.request(method, path).status_code == 200
    fresh = accounts.token(driver, settings, subject=target, role=role)
    with _client(api_url, fresh) as again:
        assert again.request(method, path).status_code == 200


def test_only_admins_revoke(api_url: str, driver: Driver, settings: Settings) -> None:
    for role in ("supporter", "organizer", "analyst"):
        token = accounts.token(driver, settings, subject=unique(role), role=role)
        with _client(api_url, token) as client:
            assert client.post(f"/users/{unique('x')}/revoke-tokens").status_code == 403


def test_deleting_a_supporters_data_revokes_their_tokens(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    supporter = unique("sup")
    token = accounts.token(driver, settings, subject=supporter, role="supporter")
    with _client(api_url, token) as client:
        assert _call(client, "POST", "/supporters/{supporter_id}/consent", supporter).is_success
        assert client.delete(f"/supporters/{supporter}").status_code == 200
        assert client.get(f"/supporters/{supporter}/targets").status_code == 401
        # Nor can the old token bring the supporter back by agreeing to the terms again.
        again = _call(client, "POST", "/supporters/{supporter_id}/consent", supporter)
        assert again.status_code == 401
    # The version is kept under a keyed hash: the supporter's id is not left in the graph.
    leftovers = driver.execute_query(
        "MATCH (n) WHERE any(k IN keys(n) WHERE n[k] = $id) RETURN count(n) AS n",
        id=supporter,
        database_=settings.graph_database,
    ).records[0]["n"]
    assert leftovers == 0


def test_a_role_change_revokes_the_old_roles_tokens(
    api_url: str, driver: Driver, settings: Settings
) -> None:
    user = unique("staff")
    organizer_token = accounts.create(driver, settings, user_id=user, role="organizer", name=None)
    with _client(api_url, organizer_token) as client:
        assert client.get("/organizer/settings").status_code == 200
    analyst_token = accounts.create(driver, settings, user_id=user, role="analyst", name=None)
    # Another process revoked: the API sees it within its cache's lifetime (2 s in tests).
    with _client(api_url, organizer_token) as client:
        assert _wait_for(lambda: client.get("/organizer/settings").status_code == 401, 6)
    with _client(api_url, analyst_token) as client:
        assert client.get("/analytics/funnel").status_code == 200
    # Saving the same role again revokes nothing.
    same = accounts.create(driver, settings, user_id=user, role="analyst", name="A. N.")
    with _client(api_url, analyst_token) as client:
        time.sleep(2.5)
        assert client.get("/analytics/funnel").status_code == 200
    assert same


def test_the_command_line_revokes(api_url: str, driver: Driver, settings: Settings) -> None:
    user = unique("sup")
    token = accounts.token(driver, settings, subject=user, role="supporter")
    with _client(api_url, token) as client:
        assert client.get("/me").status_code == 200
        result = subprocess.run(
            [sys.executable, "-m", "outreach", "user", "revoke", user, "--json"],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert '"token_version": 1' in result.stdout
        assert _wait_for(lambda: client.get("/me").status_code == 401, 6)
