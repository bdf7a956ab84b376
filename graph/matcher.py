"""The matcher job: read scoreable pairs, score them, assign friends, write the rankings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import Driver

from graph.assign import assign
from graph.config_store import current_settings
from graph.ranking import (
    mark_holdout,
    read_competitors,
    read_pairs,
    read_reciprocal,
    replace_rankings,
)
from graph.scoring import PairFeatures, ScoredPair, score_pairs
from graph.supporters import list_supporter_ids

Report = Callable[[dict[str, int]], None]


@dataclass
class RankResult:
    """What a ranking run did."""

    run_id: str
    model_version: int
    counts: dict[str, int]
    expected_votes: float


def features(row: dict[str, Any], reciprocal: set[tuple[str, str]]) -> PairFeatures:
    """One pair's features from a graph row."""
    sources = set(row.get("sources") or [])
    if row.get("social"):
        sources.add("social")
    supporter_household = row.get("supporter_household")
    return PairFeatures(
        supporter_id=str(row["supporter_id"]),
        friend_key=str(row["friend_key"]),
        state=row.get("state"),
        district=row.get("district"),
        match_p=float(row.get("match_p") or 0.0),
        turnout_score=row.get("turnout_score"),
        vote_history=list(row.get("vote_history") or []),
        support_score=row.get("support_score"),
        registration_status=row.get("registration_status"),
        already_voted=bool(row.get("already_voted")),
        do_not_contact=bool(row.get("do_not_contact")),
        channels=frozenset(sources),
        reciprocal=(row["supporter_id"], row["friend_key"]) in reciprocal,
        same_household=bool(supporter_household) and supporter_household == row.get("household_id"),
        favorite=bool(row.get("favorite")),
        labels=tuple(row.get("labels") or ()),
        closeness=row.get("closeness"),
    )


def rank(
    driver: Driver,
    *,
    supporter_ids: list[str] | None = None,
    include_competitors: bool = True,
    as_of: date | None = None,
    report: Report | None = None,
) -> RankResult:
    """Re-rank all supporters, or the given ones and those who compete for their friends."""
    version, settings = current_settings(driver)
    if supporter_ids is None:
        scope = list_supporter_ids(driver)
    else:
        scope = sorted(set(supporter_ids))
        if include_competitors and scope:
            scope = sorted(set(scope) | set(read_competitors(driver, supporter_ids=scope)))
    counts = {"supporters": len(scope), "pairs": 0, "eligible": 0, "held_out": 0, "assigned": 0}
    geos = [g for g in settings.targets if settings.weights.get(g, 0) > 0]
    rows = read_pairs(driver, supporter_ids=scope, geos=geos)
    reciprocal = read_reciprocal(driver, supporter_ids=scope)
    counts["pairs"] = len(rows)
    if report:
        report(dict(counts))
    scored = score_pairs(
        [features(r, reciprocal) for r in rows], settings, as_of=as_of or date.today()
    )
    eligible = [s for s in scored if s.impact > 0 and s.exclusion is None]
    held = sorted({s.friend_key for s in scored if s.held_out})
    counts["eligible"] = len(eligible)
    counts["held_out"] = len(held)
    assignments = assign(eligible, k=settings.k, n=settings.n)
    by_pair: dict[tuple[str, str], ScoredPair] = {
        (s.supporter_id, s.friend_key): s for s in eligible
    }
    state_of = {(str(r["supporter_id"]), str(r["friend_key"])): r.get("state") for r in rows}
    out_rows: list[dict[str, Any]] = []
    for a in assignments:
        pair = by_pair[(a.supporter_id, a.friend_key)]
        out_rows.append(
            {
                "supporter_id": a.supporter_id,
                "friend_key": a.friend_key,
                "rank": a.rank,
                "impact": pair.impact,
                "channel": pair.channel,
                "factors": json.dumps(pair.factors, sort_keys=True),
                "reasons": pair.reasons,
                "state": state_of.get((a.supporter_id, a.friend_key)),
            }
        )
    run_id = uuid.uuid4().hex
    counts["assigned"] = replace_rankings(
        driver, supporter_ids=scope, rows=out_rows, model_version=version, run_id=run_id
    )
    if held:
        mark_holdout(driver, keys=held, model_version=version)
    if report:
        report(dict(counts))
    expected = float(sum(float(r["impact"]) for r in out_rows))
    return RankResult(run_id=run_id, model_version=version, counts=counts, expected_votes=expected)
