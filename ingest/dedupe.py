"""Merging the duplicate contacts within one upload.

The rules, in order:

1. **Shared keys.** Two contacts that share a normalized phone or email are the same
   person; the sharing is transitive (union-find over keys).
2. **Household rule.** A phone or email that appears on contacts with two or more
   different names is a shared line or inbox (a household landline, a family address),
   not a personal key, and links nobody. Names are compared as "canonical first name +
   last name", so "Bob Smith" and "Robert Smith" count as one name; contacts without a
   name do not count.
3. **Same name.** Groups whose folded full names are equal ("José Álvarez" and "jose
   alvarez") merge when their keys do not conflict: they conflict when both have phones
   and share none, or both have emails and share none (two different John Smiths).
   Groups are taken in order of their first line, each joining the earliest group that it
   does not conflict with.

A merged contact keeps the earliest line, the first non-blank value of each field, and
the union of phones, emails and labels in order of appearance; it is a favorite if any
part was, and its closeness is the highest given. Output is ordered by line.
"""

from __future__ import annotations

from collections import defaultdict

from ingest.names import fold, full_name_key, join_name
from ingest.records import ContactRecord


def merge_duplicates(records: list[ContactRecord]) -> list[ContactRecord]:
    """One contact per person in the upload, by the rules in the module docstring."""
    ordered = sorted(records, key=lambda r: r.line)
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    shared = household_keys(ordered)
    first_holder: dict[str, int] = {}
    for i, record in enumerate(ordered):
        for key in _keys(record):
            if key in shared:
                continue
            if key in first_holder:
                union(first_holder[key], i)
            else:
                first_holder[key] = i

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ordered)):
        groups[find(i)].append(i)

    by_name: dict[str, list[list[int]]] = defaultdict(list)
    merged_groups: list[list[int]] = []
    for root in sorted(groups):
        members = groups[root]
        name = _exact_name(ordered[members[0]])
        if name:
            for candidate in by_name[name]:
                if not _conflict(ordered, candidate, members):
                    candidate.extend(members)
                    break
            else:
                by_name[name].append(members)
                merged_groups.append(members)
        else:
            merged_groups.append(members)
    merged = [_merge([ordered[i] for i in sorted(members)]) for members in merged_groups]
    return sorted(merged, key=lambda r: r.line)


def household_keys(records: list[ContactRecord]) -> set[str]:
    """The phones and emails found on contacts with two or more different names."""
    names: dict[str, set[str]] = defaultdict(set)
    for record in records:
        name = full_name_key(record.first_name, record.last_name, record.display_name)
        if not name or _is_key_only(record):
            continue
        for key in _keys(record):
            names[key].add(name)
    return {key for key, holders in names.items() if len(holders) > 1}


def _keys(record: ContactRecord) -> list[str]:
    """The contact's phone and email keys, tagged so a phone never equals an email."""
    return [f"tel:{p}" for p in record.phones] + [f"mail:{e}" for e in record.emails]


def _is_key_only(record: ContactRecord) -> bool:
    """True when the contact has no name, only the phone or email it is displayed by."""
    return not (record.first_name or record.last_name) and (
        record.display_name in record.phones or record.display_name in record.emails
    )


def _exact_name(record: ContactRecord) -> str:
    """The folded full name used by the same-name rule, "" when there is none."""
    if _is_key_only(record):
        return ""
    name = join_name(record.first_name, record.middle_name, record.last_name)
    return fold(name or record.display_name)


def _conflict(records: list[ContactRecord], a: list[int], b: list[int]) -> bool:
    """True when two groups both have phones (or both emails) and share none."""
    for attr in ("phones", "emails"):
        left = {v for i in a for v in getattr(records[i], attr)}
        right = {v for i in b for v in getattr(records[i], attr)}
        if left and right and not left & right:
            return True
    return False


def _merge(parts: list[ContactRecord]) -> ContactRecord:
    """One contact from several records of the same person, ``parts`` ordered by line."""
    first = parts[0]

    def pick(attr: str) -> object:
        return next((v for p in parts if (v := getattr(p, attr)) not in (None, "")), None)

    def union(attr: str) -> list[str]:
        values: list[str] = []
        for part in parts:
            values.extend(v for v in getattr(part, attr) if v not in values)
        return values

    named = next((p for p in parts if not _is_key_only(p)), first)
    closeness = [p.closeness for p in parts if p.closeness is not None]
    birth_year = pick("birth_year")
    return ContactRecord(
        line=first.line,
        display_name=named.display_name,
        first_name=named.first_name,
        last_name=named.last_name,
        middle_name=named.middle_name or _str(pick("middle_name")),
        phones=union("phones"),
        emails=union("emails"),
        city=_str(pick("city")),
        state=_str(pick("state")),
        zip=_str(pick("zip")),
        birth_year=birth_year if isinstance(birth_year, int) else None,
        labels=union("labels"),
        favorite=any(p.favorite for p in parts),
        closeness=max(closeness) if closeness else None,
        social=any(p.social for p in parts),
    )


def _str(value: object) -> str | None:
    """``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None
