"""schemathesis against the API's own OpenAPI description, with the real servers behind it.

Every operation gets a few generated requests (as an admin, so authorisation lets them
reach the handlers): no answer may be a 5xx, and every answer must match the schema the
description gives for its status. Bounded so that the run takes a minute or two.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as bounded

from outreach.core.settings import Settings
from outreach.core.tokens import issue_token

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
]


# Operations whose generated requests would change what every other test relies on: the
# matcher settings in force, full re-ranks of everyone, and the message experiment every
# list shows. Their contract is tested by hand (tests/api/test_settings_patch.py,
# tests/api/test_openapi.py, tests/api/test_message_experiments_api.py).
SHARED_STATE = {
    "PATCH /organizer/settings",
    "POST /organizer/rerank",
    "POST /organizer/experiments",
}


def test_the_api_keeps_its_contract(api_url: str, settings: Settings) -> None:
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    token = issue_token(settings, subject="schemathesis-admin", role="admin")
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if operation.label in SHARED_STATE:
            continue

        @given(case=operation.as_strategy())
        @bounded(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=api_url, headers=headers, checks=CHECKS, timeout=60)

        try:
            run()
        except Exception as exc:  # each operation's failure is collected, then all shown
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
