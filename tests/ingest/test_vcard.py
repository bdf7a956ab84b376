"""vCard 3.0 and 4.0: folded lines, several TEL/EMAIL, favorites, and bad cards."""

from __future__ import annotations

from pathlib import Path

from ingest.readers import read_contacts
from tests.ingest.factories import fold, vcard


def test_vcard3_with_folded_lines_and_several_tel_and_email(tmp_path: Path) -> None:
    card = vcard(
        fn="José Álvarez",
        n="Álvarez;José;María;;",
        tels=["(608) 555-0101", "+1 608 555 0102"],
        emails=["Jose@Example.com", "jose.alvarez@work.example.org"],
        adr=";;12 Oak St;Madison;WI;53703;USA",
        extra=[
            fold("NOTE:" + "a long note that an address book folds over several lines " * 2),
            "CATEGORIES:Family,College",
            "BDAY:1985-05-12",
        ],
    )
    folded_email = fold("EMAIL;TYPE=INTERNET:a.very.long.address.for.folding@example.org", 25)
    card = card.replace("END:VCARD", folded_email + "\r\nEND:VCARD")
    path = tmp_path / "contacts.vcf"
    path.write_text(card, encoding="utf-8", newline="")
    result = read_contacts(path.read_bytes(), filename=path.name)
    assert result.format == "vcf" and result.rejected == []
    (jose,) = result.records
    assert (jose.line, jose.first_name, jose.middle_name, jose.last_name) == (
        1,
        "José",
        "María",
        "Álvarez",
    )
    assert jose.phones == ["+16085550101", "+16085550102"]
    assert jose.emails == [
        "jose@example.com",
        "jose.alvarez@work.example.org",
        "a.very.long.address.for.folding@example.org",
    ]
    assert (jose.city, jose.state, jose.zip, jose.birth_year) == ("Madison", "WI", "53703", 1985)
    assert jose.labels == ["Family", "College"] and not jose.favorite


def test_vcard4_tel_uris_and_favorites() -> None:
    cards = [
        vcard(
            version="4.0",
            fn="Ann Lee",
            tels=["tel:+1-608-555-0104;ext=12"],
            extra=["CATEGORIES:starred,Work"],
        ),
        vcard(version="4.0", fn="Bo Lee", emails=["mailto:bo@lee.org"], extra=["X-FAVORITE:true"]),
        vcard(
            version="3.0",
            fn="Cy Lee",
            tels=["608-555-0105"],
            extra=["item1.X-ABLabel:_$!<Favorite>!$_"],
        ),
        vcard(version="4.0", fn="Di Lee", tels=["608-555-0106"], extra=["BDAY:19900401"]),
    ]
    result = read_contacts("".join(cards).encode())
    assert [(r.display_name, r.favorite) for r in result.records] == [
        ("Ann Lee", True),
        ("Bo Lee", True),
        ("Cy Lee", True),
        ("Di Lee", False),
    ]
    assert result.records[0].phones == ["+16085550104"]
    assert result.records[0].labels == ["Work"]
    assert result.records[1].emails == ["bo@lee.org"]
    assert result.records[3].birth_year == 1990
    assert [r.line for r in result.records] == [1, 7, 13, 19]


def test_bad_card_is_rejected_with_its_line_and_others_load() -> None:
    good = vcard(fn="Ann Lee", tels=["608-555-0104"])
    broken = vcard(fn="Bo Lee", extra=["this line has no colon"])
    absurd = vcard(fn="Cy Lee", tels=["608-555-0105"], extra=["BDAY:3020-01-01"])
    unclosed = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Di Lee\r\n"
    text = good + "stray text\r\n" + broken + absurd + unclosed
    result = read_contacts(text.encode(), fmt="vcard")
    assert [r.display_name for r in result.records] == ["Ann Lee"]
    assert [(e.line, e.field) for e in result.rejected] == [
        (6, None),
        (10, None),
        (16, "BDAY"),
        (18, None),
    ]
    assert "outside a vCard" in result.rejected[0].reason
    assert "END:VCARD" in result.rejected[3].reason


def test_card_without_name_phone_or_email_is_rejected() -> None:
    result = read_contacts(vcard(fn="", extra=["NOTE:nothing"]).encode())
    assert result.records == [] and result.rejected[0].line == 1
