"""Goals, teams and coverage: supporters' goals and boards; organizers' teams and coverage.

Supporter routes act on the supporter in the path (``SupporterSelf``); organizer routes
need the organizer role to change teams (``Organizer``) and admit analysts to read
(``Reporter``). Each handler calls ``outreach.usecases.goals`` or ``coverage``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Graph, Organizer, Reporter, SupporterSelf
from api.schemas import PROBLEM_RESPONSES, StatusCounts, problems
from outreach.core.errors import InvalidInput, NotFound
from outreach.usecases import coverage, goals

router = APIRouter(tags=["goals and teams"], responses=PROBLEM_RESPONSES)
TeamId = Annotated[str, Path(max_length=64, description="The team's id")]
_INVALID = problems((InvalidInput, "invalid input; `errors` names the field"))
_MISSING = problems((NotFound, "no such supporter or team"))
Geos = Annotated[
    list[str] | None,
    Query(alias="geo", description="A state (PA) or district (NE-2); repeat for several"),
]


class GoalIn(BaseModel):
    """Friends to ask, by a day (no later than election day)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"friends": 10, "by": "2028-10-20"}]})

    friends: int = Field(ge=1, le=1000)
    by: date


class GoalOut(BaseModel):
    """A goal and the progress toward it."""

    goal: int
    by: str
    asked: int
    share: float
    expected_by_now: int = Field(description="Friends asked by today at an even pace")
    on_pace: bool
    days_left: int
    done: bool


class TeamRef(BaseModel):
    """A team's id and name."""

    id: str
    name: str


class ProgressOut(BaseModel):
    """Friends asked and on the list, the goal, the campaign's suggestion, team and opt-in."""

    asked: int
    on_list: int
    goal: GoalOut | None
    suggested_goal: int
    team: TeamRef | None
    leaderboard_opt_in: bool


class InviteIn(BaseModel):
    """A team's invite code."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"invite_code": "K7QX2MPA"}]})

    invite_code: str = Field(min_length=4, max_length=32)


class OptInIn(BaseModel):
    """Whether to appear on leaderboards, by first name."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"opt_in": True}]})

    opt_in: bool


class TeamRow(BaseModel):
    """A team on the leaderboard: members, friends asked, goals summed, place."""

    id: str
    name: str
    members: int
    asked: int
    goal: int
    share_of_goal: float | None
    place: int


class OrganizerTeamRow(TeamRow):
    """A team with its invite code."""

    invite_code: str


class PersonRow(BaseModel):
    """A supporter who opted in: first name only."""

    place: int
    first_name: str
    asked: int
    you: bool


class LeaderboardOut(BaseModel):
    """Teams by friends asked; supporters who opted in, by first name."""

    teams: list[TeamRow]
    people: list[PersonRow]
    your_team: TeamRef | None
    opted_in: bool


class TeamIn(BaseModel):
    """A new team."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Porch team"}]})

    name: str = Field(min_length=1, max_length=80)


class TeamCreated(BaseModel):
    """The new team and its invite code."""

    id: str
    name: str
    invite_code: str
    members: int
    asked: int
    goal: int


class RosterIn(BaseModel):
    """Supporters to put on the team (they leave any other)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"supporter_ids": ["sup-0001", "sup-0002"]}]}
    )

    supporter_ids: list[str] = Field(min_length=1, max_length=5000)


class RosterOut(BaseModel):
    """Who was placed, and the ids no supporter has."""

    team_id: str
    placed: list[str]
    unknown: list[str]


class CoverageDay(BaseModel):
    """One state on one day: friends first asked, answers, and friends asked to date."""

    state: str
    day: str
    asked: int
    asked_to_date: int
    will_vote: int
    registered: int
    already_voted: int
    not_interested: int
    wrong_person: int
    do_not_contact: int


class CoverageState(StatusCounts):
    """One geography now: reachable, held out, assigned, asked and each status."""

    geo: str
    reachable: int
    held_out: int


class CoverageOut(BaseModel):
    """Coverage of the target geographies now, and by day."""

    geos: list[str]
    by_state: list[CoverageState]
    over_time: list[CoverageDay]


@router.get("/supporters/{supporter_id}/goal", response_model=ProgressOut, responses=_MISSING)
def my_progress(supporter_id: str, _: SupporterSelf, graph: Graph) -> ProgressOut:
    """Your goal and progress, the campaign's suggested goal, and your team."""
    return ProgressOut.model_validate(goals.progress(graph, supporter_id=supporter_id))


@router.put(
    "/supporters/{supporter_id}/goal",
    response_model=ProgressOut,
    responses={**_MISSING, **_INVALID},
)
def set_goal(supporter_id: str, body: GoalIn, _: SupporterSelf, graph: Graph) -> ProgressOut:
    """Set your goal: friends to ask by a day."""
    return ProgressOut.model_validate(
        goals.set_goal(graph, supporter_id=supporter_id, friends=body.friends, by=body.by)
    )


@router.post(
    "/supporters/{supporter_id}/team",
    response_model=ProgressOut,
    responses={**_MISSING, **_INVALID},
)
def join_team(supporter_id: str, body: InviteIn, _: SupporterSelf, graph: Graph) -> ProgressOut:
    """Join a team with its invite code (leaving any other)."""
    return ProgressOut.model_validate(
        goals.join_team(graph, supporter_id=supporter_id, invite_code=body.invite_code)
    )


@router.delete("/supporters/{supporter_id}/team", response_model=ProgressOut, responses=_MISSING)
def leave_team(supporter_id: str, _: SupporterSelf, graph: Graph) -> ProgressOut:
    """Leave your team."""
    return ProgressOut.model_validate(goals.leave_team(graph, supporter_id=supporter_id))


@router.put(
    "/supporters/{supporter_id}/leaderboard", response_model=ProgressOut, responses=_MISSING
)
def opt_in(supporter_id: str, body: OptInIn, _: SupporterSelf, graph: Graph) -> ProgressOut:
    """Appear on leaderboards by your first name, or not."""
    return ProgressOut.model_validate(
        goals.set_opt_in(graph, supporter_id=supporter_id, opt_in=body.opt_in)
    )


@router.get(
    "/supporters/{supporter_id}/leaderboard", response_model=LeaderboardOut, responses=_MISSING
)
def leaderboard(supporter_id: str, _: SupporterSelf, graph: Graph) -> LeaderboardOut:
    """Teams by friends asked, and the supporters of your team who opted in (first names)."""
    return LeaderboardOut.model_validate(goals.leaderboard(graph, supporter_id=supporter_id))


@router.post(
    "/organizer/teams",
    response_model=TeamCreated,
    status_code=status.HTTP_201_CREATED,
    responses=_INVALID,
)
def create_team(body: TeamIn, principal: Organizer, graph: Graph) -> TeamCreated:
    """Make a team; hand its invite code to supporters, or put them on it by roster."""
    return TeamCreated.model_validate(
        goals.create_team(graph, name=body.name, author=principal.subject)
    )


@router.get("/organizer/teams", response_model=list[OrganizerTeamRow])
def teams(_: Reporter, graph: Graph) -> list[OrganizerTeamRow]:
    """Every team with its invite code, members, friends asked and goals, by place."""
    return [OrganizerTeamRow.model_validate(t) for t in goals.teams(graph)]


@router.put(
    "/organizer/teams/{team_id}/members",
    response_model=RosterOut,
    responses={**_MISSING, **_INVALID},
)
def roster(team_id: TeamId, body: RosterIn, _: Organizer, graph: Graph) -> RosterOut:
    """Put supporters on the team by roster; ids no supporter has are listed."""
    return RosterOut.model_validate(
        goals.roster(graph, team_id=team_id, supporter_ids=body.supporter_ids)
    )


@router.get(
    "/organizer/coverage",
    response_model=CoverageOut,
    responses=problems((InvalidInput, "`geo` names an unknown geography")),
)
def coverage_report(_: Reporter, graph: Graph, geo: Geos = None) -> CoverageOut:
    """Coverage by state: friends assigned, asked and answering, now and day by day."""
    return CoverageOut.model_validate(coverage.coverage(graph, geos=geo))
