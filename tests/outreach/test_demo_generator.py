"""The demo data generator: reproducible, shaped as the product expects, and truthful."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from functools import partial
from importlib import resources
from pathlib import Path

import phonenumbers
import pytest
import vobject

from outreach.demo import DemoManifest, generate, generate_linkage_eval
from outreach.demo.formats import GOOGLE_HEADER, fold
from outreach.demo.geo import STATES, SWING_STATES
from outreach.demo.names import ascii_fold, nicknames_for

VOTER_HEADER = (
    "voter_id,first_name,middle_name,last_name,suffix,birth_year,address,city,zip,state,"
    "district,phone,email,household_id,registration_status,vote_2016g,vote_2018g,vote_2020g,"
    "vote_2022g,support_score"
)
CONTACT_HEADER = "first_name,last_name,phone,email,city,state,zip,favorite,labels"
SUPPORTER_HEADER = "supporter_id,first_name,last_name,state,email,voter_id"
AREA_CODES = {s.code: {a for c in s.cities for a in c.area_codes} for s in STATES}
ALL_FORMATS = ("csv", "vcf", "google", "json")


def rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts."""
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def first_line(path: Path) -> str:
    """The header line of a text file."""
    with path.open(encoding="utf-8") as fh:
        return fh.readline().rstrip("\n")


def digits(phone: str) -> str:
    """The ten national digits of a US phone as written in any layout."""
    d = re.sub(r"\D", "", phone)
    return d[1:] if len(d) == 11 and d.startswith("1") else d


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """One demo data set at the default size."""
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def voters(demo: DemoManifest) -> dict[str, dict[str, str]]:
    """The demo voter file by voter id."""
    return {r["voter_id"]: r for r in rows(demo.voters_csv)}


@pytest.fixture(scope="module")
def supporters(demo: DemoManifest) -> list[dict[str, str]]:
    """The demo supporters."""
    return rows(demo.supporters_csv)


@pytest.fixture(scope="module")
def truth(demo: DemoManifest) -> dict[str, list[dict[str, str]]]:
    """Truth rows grouped by supporter."""
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows(demo.truth_csv):
        grouped[r["supporter_id"]].append(r)
    return grouped


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """A small data set with every upload format."""
    return generate(
        tmp_path_factory.mktemp("mixed"), voters=4_000, supporters=8, formats=ALL_FORMATS
    )


# ---------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    small = partial(generate, voters=3_000, supporters=6, contacts_mean=40, formats=ALL_FORMATS)
    small(tmp_path / "a", seed=3)
    small(tmp_path / "b", seed=3)
    small(tmp_path / "c", seed=4)
    a, b, c = (tree_bytes(tmp_path / d) for d in "abc")
    assert a == b
    assert a["voters.csv"] != c["voters.csv"]
    assert a["truth.csv"] != c["truth.csv"]


def test_linkage_eval_is_reproducible(tmp_path: Path) -> None:
    generate_linkage_eval(tmp_path / "a", voters=2_000, contacts=500)
    generate_linkage_eval(tmp_path / "b", voters=2_000, contacts=500)
    generate_linkage_eval(tmp_path / "c", seed=12, voters=2_000, contacts=500)
    a, b, c = (tree_bytes(tmp_path / d) for d in "abc")
    assert a == b
    assert a != c


def test_a_rerun_with_fewer_supporters_leaves_no_stale_uploads(tmp_path: Path) -> None:
    generate(tmp_path, voters=1_000, supporters=5, contacts_mean=10)
    manifest = generate(tmp_path, voters=1_000, supporters=2, contacts_mean=10)
    assert sorted(p.name for p in (tmp_path / "contacts").iterdir()) == sorted(
        p.name for p in manifest.contact_files.values()
    )


def test_a_tiny_voter_file_still_works(tmp_path: Path) -> None:
    manifest = generate(tmp_path, voters=30, supporters=4, contacts_mean=20)
    assert len(rows(manifest.voters_csv)) == 30
    assert len(rows(manifest.truth_csv)) == manifest.counts["contacts"]


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="formats"):
        generate(tmp_path, voters=100, supporters=1, formats=("xlsx",))


# ---------------------------------------------------------------- layout


def test_headers_are_exact(demo: DemoManifest) -> None:
    assert first_line(demo.voters_csv) == VOTER_HEADER
    assert first_line(demo.supporters_csv) == SUPPORTER_HEADER
    assert first_line(demo.truth_csv) == "supporter_id,line,voter_id"
    for path in demo.contact_files.values():
        assert first_line(path) == CONTACT_HEADER


def test_manifest_lists_every_file_and_counts(demo: DemoManifest) -> None:
    assert demo.seed == 7
    assert len(demo.contact_files) == 40
    assert all(p.exists() and p.name == f"{sid}.csv" for sid, p in demo.contact_files.items())
    assert demo.counts["voters"] == 20_000
    assert demo.counts["supporters"] == 40
    assert demo.counts["contacts"] == sum(len(rows(p)) for p in demo.contact_files.values())


# ---------------------------------------------------------------- the voter file


def test_voter_ids_are_unique_and_well_formed(demo: DemoManifest) -> None:
    ids = [r["voter_id"] for r in rows(demo.voters_csv)]
    assert len(ids) == 20_000 == len(set(ids))
    states = {s.code for s in STATES}
    assert all(re.fullmatch(r"[A-Z]{2}\d{6}", v) and v[:2] in states for v in ids)


def test_every_state_is_present_with_realistic_weight(voters: dict[str, dict[str, str]]) -> None:
    counts = Counter(r["state"] for r in voters.values())
    assert set(counts) == {s.code for s in STATES}
    assert counts["CA"] > counts["TX"] > counts["NY"] > counts["WI"] > counts["ME"]
    swing = sum(counts[s] for s in SWING_STATES) / len(voters)
    assert 0.25 < swing < 0.45


def test_districts_use_the_weights_file_keys(voters: dict[str, dict[str, str]]) -> None:
    per_state = {s.code: s.districts for s in STATES}
    for r in voters.values():
        code, _, number = r["district"].partition("-")
        assert code == r["state"] and 1 <= int(number) <= per_state[code]
    weights = resources.files("outreach") / "data" / "state_weights_538_2020-10-11.csv"
    keys = {line.split(",")[0] for line in weights.read_text().splitlines()}
    me_ne = {r["district"] for r in voters.values() if r["state"] in ("ME", "NE")}
    assert me_ne == {"ME-1", "ME-2", "NE-1", "NE-2", "NE-3"}
    assert me_ne <= keys


def test_voter_phones_are_valid_numbers_from_the_right_state(
    voters: dict[str, dict[str, str]],
) -> None:
    with_phone = [r for r in voters.values() if r["phone"]]
    assert 0.5 < len(with_phone) / len(voters) < 0.7
    for r in with_phone:
        number = phonenumbers.parse(r["phone"], "US")
        assert phonenumbers.is_valid_number(number), r["phone"]
        assert r["phone"][:3] in AREA_CODES[r["state"]]


def test_households_share_an_address_and_often_a_landline(
    voters: dict[str, dict[str, str]],
) -> None:
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in voters.values():
        households[r["household_id"]].append(r)
    sizes = Counter(len(m) for m in households.values())
    assert set(sizes) == {1, 2, 3, 4, 5}
    shared_landlines = 0
    for members in households.values():
        assert len({(m["address"], m["city"], m["zip"]) for m in members}) == 1
        phones = Counter(m["phone"] for m in members if m["phone"])
        shared_landlines += any(n > 1 for n in phones.values())
    assert shared_landlines > 500
    households_by_phone: dict[str, set[str]] = defaultdict(set)
    for r in voters.values():
        if r["phone"]:
            households_by_phone[r["phone"]].add(r["household_id"])
    assert all(len(h) == 1 for h in households_by_phone.values())  # only landlines are shared


def test_registration_history_and_scores_have_the_stated_shape(
    voters: dict[str, dict[str, str]],
) -> None:
    n = len(voters)
    status = Counter(r["registration_status"] for r in voters.values())
    assert 0.05 < status["inactive"] / n < 0.11
    assert 0.05 < status["unregistered"] / n < 0.09
    assert status["active"] / n > 0.8
    elections = ("vote_2016g", "vote_2018g", "vote_2020g", "vote_2022g")
    histories: Counter[int] = Counter()
    for r in voters.values():
        votes = tuple(r[e] for e in elections)
        if r["registration_status"] == "unregistered":
            assert votes == ("", "", "", "")
        else:
            assert set(votes) <= {"Y", "N"}
            histories[votes.count("Y")] += 1
    assert all(histories[k] > n * 0.05 for k in range(5))  # never, always and in between
    scores = [r["support_score"] for r in voters.values()]
    assert 0.07 < scores.count("") / n < 0.13
    given = [s for s in scores if s]
    assert all(re.fullmatch(r"[01]\.\d\d", s) for s in given)
    values = [float(s) for s in given]
    assert all(0.0 <= v <= 1.0 for v in values)
    low, high = sum(v < 0.35 for v in values), sum(v > 0.65 for v in values)
    middle = len(values) - low - high
    assert low > 0.2 * len(values) and high > 0.2 * len(values) and middle > 0.15 * len(values)


def test_names_are_varied_with_middles_and_suffixes(voters: dict[str, dict[str, str]]) -> None:
    n = len(voters)
    assert len({r["last_name"] for r in voters.values()}) > 1_000
    assert len({r["first_name"] for r in voters.values()}) > 800
    assert 0.4 < sum(bool(r["middle_name"]) for r in voters.values()) / n < 0.7
    suffixes = Counter(r["suffix"] for r in voters.values() if r["suffix"])
    assert set(suffixes) == {"Jr", "Sr", "III", "II"}
    years = [int(r["birth_year"]) for r in voters.values()]
    assert min(years) >= 1930 and max(years) <= 2006
    emails = [r["email"] for r in voters.values() if r["email"]]
    assert 0.3 < len(emails) / n < 0.4
    assert len(emails) == len(set(emails))


# ---------------------------------------------------------------- supporters and contacts


def test_supporters_live_mostly_outside_swing_states_and_are_usually_voters(
    supporters: list[dict[str, str]], voters: dict[str, dict[str, str]]
) -> None:
    assert [s["supporter_id"] for s in supporters] == [f"sup-{k:04d}" for k in range(1, 41)]
    outside = sum(s["state"] not in SWING_STATES for s in supporters)
    assert outside >= 0.65 * len(supporters)
    in_file = [s for s in supporters if s["voter_id"]]
    assert 0.7 * len(supporters) <= len(in_file) < len(supporters)
    for s in in_file:
        assert voters[s["voter_id"]]["state"] == s["state"]
    assert all("@" in s["email"] for s in supporters)


def test_friends_mostly_share_the_supporters_state(
    supporters: list[dict[str, str]],
    voters: dict[str, dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
) -> None:
    same = total = 0
    for s in supporters:
        states = [voters[t["voter_id"]]["state"] for t in truth[s["supporter_id"]] if t["voter_id"]]
        same += sum(st == s["state"] for st in states)
        total += len(states)
    assert 0.58 < same / total < 0.75


def test_about_a_fifth_of_contacts_match_no_voter(demo: DemoManifest) -> None:
    truth_rows = rows(demo.truth_csv)
    unmatched = sum(not t["voter_id"] for t in truth_rows) / len(truth_rows)
    assert 0.15 < unmatched < 0.25
    assert demo.counts["unmatched_contacts"] == sum(not t["voter_id"] for t in truth_rows)


def test_every_supporter_has_some_swing_state_friends(
    supporters: list[dict[str, str]],
    voters: dict[str, dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
) -> None:
    counts = []
    for s in supporters:
        vids = [t["voter_id"] for t in truth[s["supporter_id"]] if t["voter_id"]]
        counts.append(sum(voters[v]["state"] in SWING_STATES for v in vids))
    assert min(counts) >= 3
    assert 3 <= sorted(counts)[len(counts) // 2] <= 30


def test_contact_list_sizes_vary_around_the_mean(truth: dict[str, list[dict[str, str]]]) -> None:
    sizes = [len(v) for v in truth.values()]
    assert min(sizes) >= 5
    assert 80 < sum(sizes) / len(sizes) < 160
    assert max(sizes) > 1.5 * min(sizes)


def test_truth_lines_point_at_the_right_rows(
    demo: DemoManifest,
    voters: dict[str, dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
) -> None:
    voter_phones = {r["phone"] for r in voters.values() if r["phone"]}
    voter_emails = {r["email"] for r in voters.values() if r["email"]}
    agree = checked = 0
    for sid, path in demo.contact_files.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert [int(t["line"]) for t in truth[sid]] == list(range(2, len(lines) + 1))
        for t in truth[sid]:
            row = next(csv.DictReader([lines[0], lines[int(t["line"]) - 1]]))
            phone, email = digits(row["phone"]), row["email"].strip().lower()
            if not t["voter_id"]:
                assert phone not in voter_phones and email not in voter_emails
                continue
            v = voters[t["voter_id"]]
            checked += 1
            agree += (
                (bool(phone) and phone == v["phone"])
                or (bool(email) and email == v["email"])
                or ascii_fold(row["last_name"]).lower() == v["last_name"].lower()
            )
    assert agree / checked > 0.9


def test_contacts_carry_realistic_mess(
    demo: DemoManifest,
    voters: dict[str, dict[str, str]],
    truth: dict[str, list[dict[str, str]]],
) -> None:
    layouts: set[str] = set()
    seen = Counter[str]()
    for sid, path in demo.contact_files.items():
        text = path.read_text(encoding="utf-8")
        assert "\n\n" not in text and not text.startswith("\n")
        contacts = rows(path)
        lines = text.splitlines()[1:]
        seen["duplicate"] += len(lines) - len(set(lines))
        household_phones = Counter(digits(c["phone"]) for c in contacts if c["phone"])
        seen["shared_phone"] += sum(n > 1 for n in household_phones.values())
        for c, t in zip(contacts, truth[sid], strict=True):
            seen["contacts"] += 1
            layouts.add(re.sub(r"\d", "9", c["phone"]))
            seen["favorite"] += c["favorite"] == "true"
            seen["multi_label"] += ";" in c["labels"]
            seen["no_last"] += not c["last_name"]
            seen["no_phone"] += not c["phone"]
            seen["no_email"] += not c["email"]
            seen["no_city"] += not c["city"]
            seen["messy_email"] += c["email"] != c["email"].strip().lower()
            if t["voter_id"]:
                v = voters[t["voter_id"]]
                first = ascii_fold(c["first_name"]).title()
                seen["nickname"] += first in nicknames_for(v["first_name"])
                last = ascii_fold(c["last_name"]).lower()
                seen["typo"] += bool(last) and last != v["last_name"].lower()
    n = seen["contacts"]
    assert {"(999) 999-9999", "999.999.9999", "+9 999 999 9999", "9999999999"} <= layouts
    assert 0.03 < seen["favorite"] / n < 0.08
    assert seen["multi_label"] > 0 and seen["duplicate"] > 0 and seen["shared_phone"] > 0
    assert seen["nickname"] / n > 0.05
    assert 0.02 < seen["typo"] / n < 0.08
    assert seen["no_last"] > 0 and seen["messy_email"] > 0
    assert seen["no_phone"] / n > 0.15 and seen["no_email"] / n > 0.3 and seen["no_city"] / n > 0.3


def test_friends_are_shared_and_supporters_know_each_other(
    supporters: list[dict[str, str]], truth: dict[str, list[dict[str, str]]]
) -> None:
    lists_per_voter = Counter(
        v for rs in truth.values() for v in {t["voter_id"] for t in rs if t["voter_id"]}
    )
    assert sum(n > 1 for n in lists_per_voter.values()) > 50
    supporter_voters = {s["voter_id"]: s["supporter_id"] for s in supporters if s["voter_id"]}
    knows = {
        (sid, supporter_voters[t["voter_id"]])
        for sid, rs in truth.items()
        for t in rs
        if t["voter_id"] in supporter_voters and supporter_voters[t["voter_id"]] != sid
    }
    assert len(knows) > 5
    assert any((b, a) in knows for a, b in knows)  # some know each other both ways


# ---------------------------------------------------------------- other upload formats


def test_formats_rotate_across_supporters(mixed: DemoManifest) -> None:
    suffixes = [p.name.split(".", 1)[1] for p in mixed.contact_files.values()]
    assert suffixes == ["csv", "vcf", "google.csv", "json"] * 2


def test_vcards_parse_and_line_up_with_the_truth(mixed: DemoManifest) -> None:
    truth = defaultdict(list)
    for t in rows(mixed.truth_csv):
        truth[t["supporter_id"]].append(t)
    for sid, path in mixed.contact_files.items():
        if path.suffix != ".vcf":
            continue
        raw = path.read_bytes()
        assert raw.count(b"\r\n") == raw.count(b"\n")
        cards = list(vobject.readComponents(raw.decode("utf-8")))
        assert [int(t["line"]) for t in truth[sid]] == list(range(1, len(cards) + 1))
        assert sum(len(c.contents.get("tel", [])) > 1 for c in cards) > 0
        assert any("categories" in c.contents for c in cards)
        for card in cards:
            assert card.version.value == "3.0"
            assert card.fn.value


def test_google_exports_use_the_real_columns(mixed: DemoManifest) -> None:
    expected_start = "Name,Given Name,Additional Name,Family Name"
    for path in mixed.contact_files.values():
        if not path.name.endswith(".google.csv"):
            continue
        assert first_line(path).startswith(expected_start)
        assert tuple(first_line(path).split(",")) == GOOGLE_HEADER
        contacts = rows(path)
        assert all(c["Group Membership"].startswith("* myContacts") for c in contacts)
        assert any(" ::: * starred" in c["Group Membership"] for c in contacts)
        assert any(c["Phone 1 - Value"] for c in contacts)
        assert any(c["E-mail 1 - Value"] for c in contacts)
        assert {c["Address 1 - Region"] for c in contacts} - {""}
        for column in ("Address 1 - City", "Address 1 - Postal Code", "Phone 1 - Type"):
            assert column in contacts[0]


def test_json_friend_lists_hold_names_and_locations_only(mixed: DemoManifest) -> None:
    sizes = Counter(t["supporter_id"] for t in rows(mixed.truth_csv))
    for sid, path in mixed.contact_files.items():
        if path.suffix != ".json":
            continue
        friends = json.loads(path.read_text(encoding="utf-8"))["friends"]
        assert len(friends) == sizes[sid]
        for f in friends:
            assert set(f) <= {"name", "location"} and f["name"]
            if "location" in f:
                assert set(f["location"]) == {"city", "state"}


def test_long_vcard_lines_fold_at_75_octets() -> None:
    line = "FN:" + "Ángela María de los Ángeles " * 6
    folded = fold(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert "".join(p[1:] if i else p for i, p in enumerate(physical)) == line


# ---------------------------------------------------------------- linkage evaluation


def test_linkage_eval_layout_and_truth(tmp_path: Path) -> None:
    voters_csv, contacts_csv, truth_csv = generate_linkage_eval(
        tmp_path, voters=5_000, contacts=2_000
    )
    assert first_line(voters_csv) == VOTER_HEADER + ",birth_date"
    assert first_line(contacts_csv) == "contact_id," + CONTACT_HEADER + ",birthday,address"
    assert first_line(truth_csv) == "contact_id,voter_id,corruptions"
    voter_ids = {r["voter_id"] for r in rows(voters_csv)}
    contacts, truth = rows(contacts_csv), rows(truth_csv)
    assert [c["contact_id"] for c in contacts] == [t["contact_id"] for t in truth]
    assert len(truth) == 2_000
    assert 0.2 < sum(not t["voter_id"] for t in truth) / len(truth) < 0.3
    assert {t["voter_id"] for t in truth if t["voter_id"]} <= voter_ids
    tags = Counter(tag for t in truth for tag in t["corruptions"].split(";") if tag)
    for tag in (
        "nickname", "typo_last", "phone_transposed", "phone_missing", "phone_household",
        "email_missing", "moved", "location_missing", "last_missing", "namesake",
        "phone_changed", "email_changed", "swapped", "email_typo", "typo_city", "address",
        "address_moved", "address_typo", "birthday", "birth_transposed", "birth_off",
        "household_member",
    ):  # fmt: skip
        assert tags[tag] > 0, tag
    assert all(not t["voter_id"] for t in truth if "namesake" in t["corruptions"])
    assert all(not t["voter_id"] for t in truth if "household_member" in t["corruptions"])


def test_linkage_corruptions_are_what_they_say(tmp_path: Path) -> None:
    voters_csv, contacts_csv, truth_csv = generate_linkage_eval(
        tmp_path, voters=5_000, contacts=2_000
    )
    voters = {r["voter_id"]: r for r in rows(voters_csv)}
    phone_owners = Counter(r["phone"] for r in voters.values() if r["phone"])
    surnames_at: dict[str, set[str]] = defaultdict(set)
    for r in voters.values():
        surnames_at[r["address"]].add(r["last_name"])
    for c, t in zip(rows(contacts_csv), rows(truth_csv), strict=True):
        tags = set(t["corruptions"].split(";")) - {""}
        if "household_member" in tags and c["address"]:
            assert c["last_name"] in surnames_at[c["address"]]
        if not t["voter_id"]:
            continue
        v = voters[t["voter_id"]]
        assert bool(c["birthday"]) == ("birthday" in tags)
        assert bool(c["address"]) == ("address" in tags)
        if "birthday" in tags and not tags & {"birth_transposed", "birth_off"}:
            assert c["birthday"] == v["birth_date"]
        if "birth_transposed" in tags:
            y, m, d = c["birthday"].split("-")
            assert f"{y}-{d}-{m}" == v["birth_date"] != c["birthday"]
        if "birth_off" in tags:
            given, filed = c["birthday"].split("-"), v["birth_date"].split("-")
            assert sum(a != b for a, b in zip(given, filed, strict=True)) == 1
        if "address" in tags and not tags & {"moved", "address_moved", "address_typo"}:
            assert c["address"] == v["address"]
        if tags & {"moved", "address_moved", "address_typo"} and c["address"]:
            assert c["address"] != v["address"]
        if "swapped" in tags and not tags & {"nickname", "typo_first", "typo_last", "accents"}:
            assert (c["first_name"].lower(), c["last_name"].lower()) == (
                v["last_name"].lower(),
                v["first_name"].lower(),
            )
        phone = digits(c["phone"])
        if "phone_transposed" in tags:
            assert phone != v["phone"] and sorted(phone) == sorted(v["phone"])
        if "phone_household" in tags:
            assert phone_owners[phone] >= 1 and (phone != v["phone"] or phone_owners[phone] > 1)
        if "moved" in tags:
            assert (c["city"], c["zip"]) != (v["city"], v["zip"])
        if "phone_changed" in tags:
            assert phone and v["phone"] and phone != v["phone"]
        if "email_changed" in tags:
            assert c["email"] and v["email"] and c["email"] != v["email"]
        if "nickname" in tags and "swapped" not in tags:
            assert ascii_fold(c["first_name"]).title() in nicknames_for(v["first_name"])
        if not tags & {"nickname", "typo_first", "accents", "case", "swapped"}:
            assert c["first_name"] == v["first_name"]
        if not tags & {"typo_last", "last_missing", "accents", "case", "swapped"}:
            assert c["last_name"] == v["last_name"]
