"""Cypher for goals and teams: a supporter's goal and progress, teams, and the leaderboards.

A supporter's goal is on the supporter (``goal_friends`` by ``goal_by``); progress counts
the distinct friends they recorded an ask for. ``(:Supporter)-[:MEMBER_OF]->(:Team)``: one
team each, set by the organizer's roster or by the supporter with the team's invite
code. Individual leaderboards show only supporters who opted in
(``leaderboard_opt_in``), by first name.
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import Driver, ManagedTransaction

from graph.db.run import Row, read_values, write_one, write_tx

SET_GOAL: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
SET s.goal_friends = $friends, s.goal_by = $by, s.goal_set_at = $today
RETURN s.id AS id
"""

SET_OPT_IN: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
SET s.leaderboard_opt_in = $opt_in
RETURN s.id AS id
"""

PROGRESS: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})
OPTIONAL MATCH (s)-[:MEMBER_OF]->(t:Team)
OPTIONAL MATCH (s)-[:ASKED]->(done:Person)
WITH s, t, count(DISTINCT done) AS asked
OPTIONAL MATCH (s)-[:SHOULD_ASK]->(listed:Person)
WITH s, t, asked, count(DISTINCT listed) AS on_list
RETURN s.goal_friends AS goal_friends, s.goal_by AS goal_by, s.goal_set_at AS goal_set_at,
       coalesce(s.leaderboard_opt_in, false) AS opt_in, t.id AS team_id, t.name AS team_name,
       asked, on_list
"""

CREATE_TEAM: LiteralString = """
CREATE (t:Team {id: $id, name: $name, invite_code: $code, created_at: datetime(),
                author: $author})
RETURN t.id AS id, t.name AS name, t.invite_code AS invite_code
"""

ROSTER_TEAM: LiteralString = """
UNWIND $ids AS sid
MATCH (s:Supporter {id: sid})
MATCH (t:Team {id: $team_id})
OPTIONAL MATCH (s)-[old:MEMBER_OF]->(:Team)
DELETE old
WITH DISTINCT s, t
MERGE (s)-[:MEMBER_OF]->(t)
RETURN s.id AS id
"""

TEAM_BY_CODE: LiteralString = """
MATCH (t:Team {invite_code: $code})
RETURN t.id AS id, t.name AS name
"""

TEAM_EXISTS: LiteralString = """
MATCH (t:Team {id: $id})
RETURN t.id AS id, t.name AS name
"""

LEAVE_TEAM: LiteralString = """
MATCH (s:Supporter {id: $supporter_id})-[m:MEMBER_OF]->(:Team)
DELETE m
"""

TEAM_BOARD: LiteralString = """
MATCH (t:Team)
OPTIONAL MATCH (s:Supporter)-[:MEMBER_OF]->(t)
OPTIONAL MATCH (s)-[:ASKED]->(p:Person)
WITH t, s, count(DISTINCT p) AS asked
RETURN t.id AS id, t.name AS name, t.invite_code AS invite_code,
       count(s) AS members, sum(asked) AS asked, sum(coalesce(s.goal_friends, 0)) AS goal
"""

PEOPLE_BOARD: LiteralString = """
MATCH (s:Supporter)
WHERE s.leaderboard_opt_in = true
  AND ($team_id IS NULL OR EXISTS { MATCH (s)-[:MEMBER_OF]->(:Team {id: $team_id}) })
OPTIONAL MATCH (s)-[:ASKED]->(p:Person)
WITH s, count(DISTINCT p) AS asked
RETURN s.id AS id, s.first_name AS first_name, asked
ORDER BY asked DESC, id
LIMIT $limit
"""


def set_goal(driver: Driver, *, supporter_id: str, friends: int, by: str, today: str) -> bool:
    """Store the supporter's goal; False when there is no such supporter."""
    return bool(
        write_one(driver, SET_GOAL, supporter_id=supporter_id, friends=friends, by=by, today=today)
    )


def set_opt_in(driver: Driver, *, supporter_id: str, opt_in: bool) -> bool:
    """Whether the supporter appears, by first name, on leaderboards."""
    return bool(write_one(driver, SET_OPT_IN, supporter_id=supporter_id, opt_in=opt_in))


def progress(driver: Driver, supporter_id: str) -> Row | None:
    """The supporter's goal, friends asked and on their list, team, and opt-in."""
    rows = read_values(driver, PROGRESS, supporter_id=supporter_id)
    return rows[0] if rows else None


def create_team(driver: Driver, *, team_id: str, name: str, code: str, author: str) -> Row:
    """A new team with its invite code."""
    return write_one(driver, CREATE_TEAM, id=team_id, name=name, code=code, author=author)


def team(driver: Driver, team_id: str) -> Row | None:
    """The team, or None."""
    rows = read_values(driver, TEAM_EXISTS, id=team_id)
    return rows[0] if rows else None


def team_by_code(driver: Driver, code: str) -> Row | None:
    """The team with this invite code, or None."""
    rows = read_values(driver, TEAM_BY_CODE, code=code)
    return rows[0] if rows else None


def put_on_team(driver: Driver, *, team_id: str, supporter_ids: list[str]) -> list[str]:
    """Move supporters onto the team (off any other); the ids that exist."""

    def work(tx: ManagedTransaction) -> list[str]:
        result = tx.run(ROSTER_TEAM, ids=supporter_ids, team_id=team_id)
        return [str(r["id"]) for r in result]

    return write_tx(driver, work)


def leave_team(driver: Driver, supporter_id: str) -> None:
    """Take the supporter off their team."""

    def work(tx: ManagedTransaction) -> None:
        tx.run(LEAVE_TEAM, supporter_id=supporter_id).consume()

    write_tx(driver, work)


def team_board(driver: Driver) -> list[Row]:
    """Every team: members, friends they asked, and the sum of their goals."""
    return read_values(driver, TEAM_BOARD)


def people_board(driver: Driver, *, team_id: str | None, limit: int) -> list[Row]:
    """Supporters who opted in (on one team, or all), by friends asked."""
    return read_values(driver, PEOPLE_BOARD, team_id=team_id, limit=limit)
