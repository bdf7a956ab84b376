"""Keyed hashes: HMAC-SHA256 of ``kind:value`` under the secret, whatever the caching."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from outreach.core.hashing import keyed_hash


@pytest.mark.parametrize("value", ["+16082661212", "ada@example.org", "", "Zoë"])
def test_a_keyed_hash_is_the_hmac_of_kind_and_value(value: str) -> None:
    for secret in ("first secret", "second secret"):
        plain = hmac.new(secret.encode(), f"phone:{value}".encode(), hashlib.sha256)
        assert keyed_hash(secret, "phone", value) == plain.hexdigest()[:32]


def test_the_key_and_the_kind_each_change_the_hash() -> None:
    one = keyed_hash("a secret", "phone", "+16082661212")
    assert one == keyed_hash("a secret", "phone", "+16082661212")
    assert one != keyed_hash("another secret", "phone", "+16082661212")
    assert one != keyed_hash("a secret", "email", "+16082661212")
