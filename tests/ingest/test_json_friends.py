"""JSON friend-list exports: the friends object, a bare list, and Facebook's friends_v2."""

from __future__ import annotations

import pytest

from ingest.readers import read_contacts
from outreach.core.errors import FileRejected
from tests.ingest.factories import json_friends


def test_friends_object_with_locations() -> None:
    data = json_friends(
        {
            "friends": [
                {"name": "Ann Lee", "location": {"city": "Erie", "state": "Pennsylvania"}},
                {"name": "Bo Lee", "location": "Madison, Wisconsin", "phone": "608-555-0104"},
            ]
        }
    )
    result = read_contacts(data, filename="friends.json")
    assert result.format == "json"
    ann, bo = result.records
    assert (ann.first_name, ann.last_name, ann.city, ann.state) == ("Ann", "Lee", "Erie", "PA")
    assert (bo.city, bo.state, bo.phones) == ("Madison", "WI", ["+16085550104"])
    assert ann.social and bo.social
    assert (ann.line, bo.line) == (3, 10)


def test_location_text_alone() -> None:
    data = json_friends([{"name": "Ann", "location": "Ohio"}, {"name": "Bo", "location": "Erie"}])
    ann, bo = read_contacts(data).records
    assert (ann.city, ann.state, bo.city, bo.state) == (None, "OH", "Erie", None)


def test_bare_list_and_strings() -> None:
    result = read_contacts(b'[{"name": "Ann Lee"}, "Bo Lee",\n 7]')
    assert [r.display_name for r in result.records] == ["Ann Lee", "Bo Lee"]
    assert [(e.line, e.reason) for e in result.rejected] == [(2, "friend entry is not an object")]


def test_facebook_friends_v2_with_mojibake_names() -> None:
    raw = (
        '{\n  "friends_v2": [\n    {\n'
        '      "name": "Jos\\u00c3\\u00a9 \\u00c3\\u0081lvarez",\n'
        '      "timestamp": 1577836800\n    },\n'
        '    {"name": "Ann Lee", "timestamp": 1}\n  ]\n}'
    )
    result = read_contacts(raw.encode())
    jose, ann = result.records
    assert (jose.first_name, jose.last_name) == ("José", "Álvarez")
    assert (jose.line, ann.line) == (3, 7) and jose.social


def test_json_errors() -> None:
    with pytest.raises(FileRejected, match="line 2"):
        read_contacts(b'{"friends": [\n {"name": "Ann" ]}')
    with pytest.raises(FileRejected) as caught:
        read_contacts(b'{"people": []}')
    assert caught.value.extra["found"] == ["people"]
    result = read_contacts(json_friends({"friends": [{"name": "Ann", "birth_year": 3020}]}))
    assert [(e.line, e.field) for e in result.rejected] == [(3, "birth_year")]
