"""The organizer page shows a webhook disabled after failing, says why, and turns it back on."""

from __future__ import annotations

from neo4j import Driver
from playwright.sync_api import Page, expect

from outreach.core.settings import Settings
from outreach.usecases import webhooks
from tests.factories import unique
from tests.http_stub import Answer, serve
from tests.web.test_pages import serious_accessibility_problems, signin


def test_a_disabled_webhook_and_its_reason_are_on_the_organizer_page(
    api_url: str, driver: Driver, settings: Settings, desktop: Page
) -> None:
    with serve(lambda _: Answer(503, b"down")) as receiver:
        made = webhooks.register(
            driver, settings, url=f"{receiver.url}/in", events=["job.finished"], author="t"
        )
        hook = made.webhook["id"]
        for n in range(2):
            (delivery,) = webhooks.notify(
                driver, None, "job.finished", subject=unique("job"), data={"n": n}
            )
            for _ in range(settings.webhook_max_attempts):
                webhooks.deliver(driver, settings, delivery)
        assert len(receiver.received) == settings.webhook_disable_after
    try:
        desktop.goto(signin(settings, api_url, unique("org"), role="organizer"))
        row = desktop.locator(f'#webhooks tr[data-webhook="{hook}"]')
        expect(row.locator(".webhook-state")).to_contain_text(
            f"disabled: disabled after {settings.webhook_disable_after} failed deliveries in a "
            "row; the last: HTTP 503 from the receiver"
        )
        assert serious_accessibility_problems(desktop) == []
        row.get_by_role("button", name="Enable again").click()
        expect(row.locator(".webhook-state")).to_have_text("active")
    finally:
        webhooks.remove(driver, hook)
