"""Goals and teams: a supporter's goal and progress, teams by roster or invite code, boards.

A supporter sets a goal (friends to ask, by a date no later than election day) and sees
progress against it, with the campaign's suggestion. Teams are made by organizers, who
put supporters on them by roster or hand out the team's invite code. Every team sees the
team leaderboard; the individual one lists only supporters who opted in, by first name.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from neo4j import Driver

from graph import goals as store
from graph.config_store import current_settings_cached
from outreach.core.errors import InvalidInput, NotFound, RowError
from outreach.matching.goals import progress as pace
from outreach.matching.goals import suggest_goal

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed on phones
NO_NAME = "A supporter"


def first_name(name: str | None) -> str:
    """The first word of a supporter's first name, or a stand-in when the roster gave none."""
    words = (name or "").split()
    return words[0] if words else NO_NAME


def _invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{field}: {reason}", [RowError(line=None, field=field, reason=reason)])


def set_goal(
    driver: Driver, *, supporter_id: str, friends: int, by: date, today: date | None = None
) -> dict[str, Any]:
    """Store the goal (1 to 1,000 friends, by a day from today to election day)."""
    today = today or date.today()
    _, matcher = current_settings_cached(driver)
    if not 1 <= friends <= 1000:
        raise _invalid("friends", "a goal of 1 to 1,000 friends")
    if not today <= by <= matcher.election_date:
        raise _invalid("by", f"a day from today to election day ({matcher.election_date})")
    stored = store.set_goal(
        driver,
        supporter_id=supporter_id,
        friends=friends,
        by=by.isoformat(),
        today=today.isoformat(),
    )
    if not stored:
        raise NotFound("no supporter with this id: agree to the terms first")
    return progress(driver, supporter_id=supporter_id, today=today)


def progress(driver: Driver, *, supporter_id: str, today: date | None = None) -> dict[str, Any]:
    """The goal and progress toward it, the suggestion, the team, and the opt-in."""
    today = today or date.today()
    row = store.progress(driver, supporter_id)
    if row is None:
        raise NotFound("no supporter with this id: agree to the terms first")
    asked, on_list = int(row["asked"]), int(row["on_list"])
    goal = None
    if row["goal_friends"]:
        by = date.fromisoformat(str(row["goal_by"]))
        set_on = date.fromisoformat(str(row["goal_set_at"] or today.isoformat()))
        figures = asdict(
            pace(goal=int(row["goal_friends"]), by=by, set_on=set_on, asked=asked, today=today)
        )
        goal = {**figures, "by": by.isoformat()}
    team = {"id": row["team_id"], "name": row["team_name"]} if row["team_id"] else None
    return {
        "asked": asked,
        "on_list": on_list,
        "goal": goal,
        "suggested_goal": suggest_goal(on_list=on_list, asked=asked),
        "team": team,
        "leaderboard_opt_in": bool(row["opt_in"]),
    }


def set_opt_in(driver: Driver, *, supporter_id: str, opt_in: bool) -> dict[str, Any]:
    """Appear on leaderboards by first name, or not."""
    if not store.set_opt_in(driver, supporter_id=supporter_id, opt_in=opt_in):
        raise NotFound("no supporter with this id: agree to the terms first")
    return progress(driver, supporter_id=supporter_id)


def join_team(driver: Driver, *, supporter_id: str, invite_code: str) -> dict[str, Any]:
    """Join the team whose invite code this is (leaving any other)."""
    team = store.team_by_code(driver, invite_code.strip().upper())
    if team is None:
        raise _invalid("invite_code", "no team has this invite code")
    if not store.put_on_team(driver, team_id=str(team["id"]), supporter_ids=[supporter_id]):
        raise NotFound("no supporter with this id: agree to the terms first")
    return progress(driver, supporter_id=supporter_id)


def leave_team(driver: Driver, *, supporter_id: str) -> dict[str, Any]:
    """Leave the team."""
    store.leave_team(driver, supporter_id)
    return progress(driver, supporter_id=supporter_id)


def create_team(driver: Driver, *, name: str, author: str) -> dict[str, Any]:
    """A new team and its invite code."""
    if not name.strip():
        raise _invalid("name", "the name is empty")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    row = store.create_team(
        driver, team_id=uuid.uuid4().hex[:12], name=name.strip(), code=code, author=author
    )
    return {**row, "members": 0, "asked": 0, "goal": 0}


def roster(driver: Driver, *, team_id: str, supporter_ids: list[str]) -> dict[str, Any]:
    """Put supporters on the team (off any other); unknown ids are named and nothing changes."""
    if store.team(driver, team_id) is None:
        raise NotFound(f"no team {team_id!r}")
    ids = list(dict.fromkeys(s.strip() for s in supporter_ids if s.strip()))
    if not ids:
        raise _invalid("supporter_ids", "name at least one supporter")
    placed = set(store.put_on_team(driver, team_id=team_id, supporter_ids=ids))
    return {"team_id": team_id, "placed": sorted(placed), "unknown": sorted(set(ids) - placed)}


def _teams(driver: Driver, *, with_codes: bool) -> list[dict[str, Any]]:
    rows = []
    for r in store.team_board(driver):
        members, asked, goal = int(r["members"]), int(r["asked"] or 0), int(r["goal"] or 0)
        share = round(min(asked / goal, 1.0), 4) if goal else None
        row = {
            "id": r["id"],
            "name": r["name"],
            "members": members,
            "asked": asked,
            "goal": goal,
            "share_of_goal": share,
        }
        if with_codes:
            row["invite_code"] = r["invite_code"]
        rows.append(row)
    rows.sort(key=lambda r: (-r["asked"], r["name"]))
    for place, row in enumerate(rows, start=1):
        row["place"] = place
    return rows


def teams(driver: Driver) -> list[dict[str, Any]]:
    """The organizer's view: every team with its invite code, members, asks and goal."""
    return _teams(driver, with_codes=True)


def leaderboard(driver: Driver, *, supporter_id: str, limit: int = 20) -> dict[str, Any]:
    """The team leaderboard, and the supporters who opted in (first names only).

    The people listed are those of the supporter's team, or everyone's when they have none.
    """
    mine = progress(driver, supporter_id=supporter_id)
    team_id = mine["team"]["id"] if mine["team"] else None
    people = [
        {
            "place": place,
            "first_name": first_name(r["first_name"]),
            "asked": int(r["asked"]),
            "you": r["id"] == supporter_id,
        }
        for place, r in enumerate(store.people_board(driver, team_id=team_id, limit=limit), 1)
    ]
    return {
        "teams": _teams(driver, with_codes=False),
        "people": people,
        "your_team": mine["team"],
        "opted_in": mine["leaderboard_opt_in"],
    }
