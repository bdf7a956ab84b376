"""Hostile JSON uploads fail clearly, as a whole file, before anything is written."""

from __future__ import annotations

import pytest

from ingest.readers import read_contacts
from outreach.core.errors import FileRejected

FRIEND = '{"name": "Ann Lee", "phone": "6085550101"}'


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'{"friends": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "nested too deeply"),
        (b'{"friends": [{"name": "A", "n": ' + b"9" * 5000 + b"}]}", "cannot be read"),
        (
            ('{"friends": [' + ",".join([FRIEND] * 2499) + ', {"name": "B \\ud800"}]}').encode(),
            "surrogate",
        ),
    ],
    ids=["deeply-nested", "5000-digit-number", "lone-surrogate-in-last-entry"],
)
def test_hostile_json_is_refused_as_a_whole(data: bytes, said: str) -> None:
    with pytest.raises(FileRejected) as refused:
        read_contacts(data, filename="friends.json")
    assert said in refused.value.detail
    assert refused.value.status == 422
