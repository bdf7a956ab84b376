"""Webhooks end to end: a real API, worker and Redis, and a receiver on a local port.

The receiver checks each signature with its own HMAC-SHA256 from the standard library
(not the project's helper), as a customer's endpoint would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from neo4j import Driver

from outreach.client import Invalid, OutreachClient
from outreach.core.errors import InvalidInput
from outreach.core.settings import Settings
from outreach.core.tokens import issue_token
from outreach.usecases import webhooks
from tests.factories import contacts_csv, load_voter_rows, rank_now, unique, voter
from tests.http_stub import Answer, Received, Stub, serve


def verify_independently(secret: str, received: Received) -> bool:
    """The receiver's check: ``t=..,v1=..`` over ``f"{t}." + raw body``, fresh, constant time."""
    fields = dict(part.split("=", 1) for part in received.headers["outreach-signature"].split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(
        secret.encode("utf-8"), str(timestamp).encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    return abs(time.time() - timestamp) < 300 and hmac.compare_digest(expected, fields["v1"])


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("the condition did not hold in time")


def _organizer(api_url: str, settings: Settings) -> OutreachClient:
    return OutreachClient(api_url, issue_token(settings, subject=unique("org"), role="organizer"))


def _friend_to_ask(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path, phone: str
) -> tuple[OutreachClient, str, str]:
    tag = unique("w")[-6:]
    load_voter_rows(
        driver,
        tmp_path / "v.csv",
        [voter(first_name="Wren", last_name=f"Hook{tag}", phone=phone, state="WI",
               support_score="0.8")],
    )  # fmt: skip
    supporter = unique("supw")
    api = OutreachClient(api_url, issue_token(settings, subject=supporter, role="supporter"))
    api.give_consent(supporter)
    rows = [{"first_name": "Wren", "last_name": f"Hook{tag}", "phone": phone}]
    api.upload_and_wait(supporter, contacts_csv(rows), filename="c.csv")
    rank_now(driver, [supporter])
    friend = api.targets(supporter).items[0]["friend_id"]
    return api, supporter, friend


def _events(stub: Stub, event: str) -> list[Received]:
    return [r for r in stub.received if r.headers.get("outreach-event") == event]


def test_events_arrive_signed_with_an_idempotency_id_and_retries_reuse_it(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    calls = {"n": 0}

    def flaky(request: Received) -> Answer:
        if request.headers.get("outreach-event") == "outcome.recorded":
            calls["n"] += 1
            if calls["n"] == 1:
                return Answer(500, b"try later")
        return Answer(204)

    supporter_api, supporter, friend = _friend_to_ask(
        api_url, driver, settings, tmp_path, "414-555-0170"
    )
    with serve(flaky) as stub, _organizer(api_url, settings) as organizer:
        hook = organizer.add_webhook(
            f"{stub.url}/hooks", ["outcome.recorded", "job.finished", "rerank.finished"]
        )
        secret = hook["secret"]
        assert secret.startswith("whsec_")
        assert all("secret" not in h for h in organizer.webhooks())

        recorded = supporter_api.record_outcome(supporter, friend, "will_vote", client_id="w-1")
        supporter_api.record_outcome(supporter, friend, "will_vote", client_id="w-1")  # a retry
        wait_for(lambda: len(_events(stub, "outcome.recorded")) == 2)
        first, second = _events(stub, "outcome.recorded")
        assert first.body == second.body  # the same bytes, retried after the 500
        assert first.headers["outreach-webhook-id"] == second.headers["outreach-webhook-id"]
        assert all(verify_independently(secret, r) for r in (first, second))
        assert not verify_independently("whsec_wrong", first)
        payload = first.json()
        assert payload["id"] == first.headers["outreach-webhook-id"]
        assert payload["type"] == "outcome.recorded"
        assert payload["data"] == {
            "supporter_id": supporter,
            "friend_id": friend,
            "outcome_id": recorded["id"],
            "outcome": "will_vote",
            "channel": "text",
        }
        wait_for(lambda: webhooks.delivery(driver, payload["id"])["status"] == "sent")
        assert webhooks.delivery(driver, payload["id"])["attempts"] == 2

        job = organizer.rerank_and_wait()
        wait_for(lambda: bool(_events(stub, "rerank.finished")))
        finished = _events(stub, "rerank.finished")[0]
        assert verify_independently(secret, finished)
        assert finished.json()["data"]["job_id"] == job["id"]
        assert finished.json()["data"]["status"] == "succeeded"
        wait_for(lambda: any(r.json()["data"]["job_id"] == job["id"]
                             for r in _events(stub, "job.finished")))  # fmt: skip
        time.sleep(1.0)
        assert len(_events(stub, "outcome.recorded")) == 2  # the duplicate outcome sent nothing
        organizer.delete_webhook(hook["id"])
    supporter_api.close()


def test_a_webhook_that_keeps_failing_is_disabled_and_says_why(
    api_url: str, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    supporter_api, supporter, friend = _friend_to_ask(
        api_url, driver, settings, tmp_path, "414-555-0171"
    )
    with serve(lambda _: Answer(503, b"down")) as stub, _organizer(api_url, settings) as organizer:
        hook = organizer.add_webhook(stub.url, ["outcome.recorded"])
        for n in range(2):  # 3 tries each: the 4th failure in a row disables it
            supporter_api.record_outcome(supporter, friend, "asked", client_id=f"d-{n}")

        def disabled() -> bool:
            state = next(h for h in organizer.webhooks() if h["id"] == hook["id"])
            return not state["active"]

        wait_for(disabled)
        state = next(h for h in organizer.webhooks() if h["id"] == hook["id"])
        assert "failed deliveries in a row" in state["disabled_reason"]
        assert "HTTP 503" in state["disabled_reason"]
        tries = len(stub.received)
        assert tries >= settings.webhook_disable_after
        supporter_api.record_outcome(supporter, friend, "will_vote", client_id="d-after")
        time.sleep(1.5)
        assert len(stub.received) == tries  # nothing is sent to a disabled webhook

        enabled = organizer.enable_webhook(hook["id"])
        assert enabled["active"] and enabled["failures"] == 0 and not enabled["disabled_reason"]
        organizer.delete_webhook(hook["id"])
    supporter_api.close()


def test_bad_urls_and_events_are_refused_with_the_field_named(
    api_url: str, settings: Settings
) -> None:
    with _organizer(api_url, settings) as organizer:
        with pytest.raises(Invalid) as scheme:
            organizer.add_webhook("ftp://hooks.example.org/x", ["job.finished"])
        assert scheme.value.errors[0]["field"] == "url"
        with pytest.raises(Invalid) as event:
            organizer.add_webhook("https://hooks.example.org/x", ["job.exploded"])
        assert event.value.errors[0]["field"] == "events"
        assert "job.finished" in event.value.errors[0]["reason"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "https://user:pass@hooks.example.org/hook",
        "http://hooks.example.org:99999/hook",
    ],
)
def test_private_and_malformed_urls_are_refused_unless_allowed(
    driver: Driver, settings: Settings, url: str
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private_urls": False})
    with pytest.raises(InvalidInput) as refused:
        webhooks.register(driver, strict, url=url, events=["job.finished"], author="t")
    assert refused.value.extra["errors"][0]["field"] == "url"
    assert all(h["url"] != url for h in webhooks.listing(driver))


def test_the_secret_is_sealed_at_rest(driver: Driver, settings: Settings) -> None:
    made = webhooks.register(
        driver, settings, url="http://127.0.0.1:9/x", events=["job.finished"], author="t"
    )
    from graph.db.run import read

    stored = read(driver, "MATCH (w:Webhook {id: $id}) RETURN w.secret AS s", id=made.webhook["id"])
    assert made.secret not in json.dumps(stored)
    webhooks.remove(driver, made.webhook["id"])


def test_a_delivery_the_queue_never_got_is_sent_by_the_sweep(
    driver: Driver, settings: Settings, worker: object
) -> None:
    from workers.queue import CeleryQueue

    with serve(lambda _: Answer(200)) as stub:
        made = webhooks.register(
            driver, settings, url=stub.url, events=["job.finished"], author="t"
        )
        (lost,) = webhooks.notify(driver, None, "job.finished", subject=unique("j"), data={})
        assert webhooks.delivery(driver, lost)["status"] == "pending"
        assert webhooks.sweep(driver, CeleryQueue()) >= 1
        wait_for(lambda: webhooks.delivery(driver, lost)["status"] == "sent")
        mine = [r for r in stub.received if r.headers["outreach-webhook-id"] == lost]
        assert len(mine) == 1 and verify_independently(made.secret, mine[0])
        webhooks.remove(driver, made.webhook["id"])


def test_a_connection_that_reaches_a_private_address_sends_nothing() -> None:
    """A name re-pointed after its check (DNS rebinding) is caught at the connection."""
    from outreach.integrations.urls import guarded_session
    from outreach.integrations.webhooks import post

    with serve(lambda _: Answer(200)) as stub, guarded_session(allow_private=False) as session:
        sent = post(f"{stub.url}/in", secret="whsec_x", delivery_id="whd-1", event="job.finished",
                    body=b"{}", timeout=2, session=session)  # fmt: skip
        assert not sent.ok
        assert "loopback" in sent.reason and "nothing was sent" in sent.reason
        assert stub.received == []
    with serve(lambda _: Answer(200)) as stub, guarded_session(allow_private=True) as session:
        assert post(stub.url, secret="whsec_x", delivery_id="whd-2", event="job.finished",
                    body=b"{}", timeout=2, session=session).ok  # fmt: skip
