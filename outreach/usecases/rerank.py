"""The matcher job: score (supporter, friend) pairs partition by partition, assign, write.

A full re-rank splits supporters into partitions. Each partition is scored on its own
(``score_partition``), which is what fans out over workers; only each supporter's best
``CANDIDATES_PER_SLOT * n`` candidates travel on. Assignment is global, because friends
are shared across partitions (``assign_and_write``). ``rank`` runs the same two steps in
one process, for single-machine mode and for incremental re-ranks after an upload.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from neo4j import Driver

from graph import locks
from graph.config_store import current_settings
from graph.jobs import claim_waiting_ranks, get_job, update_job
from graph.jobs import merged_into as job_merged_into
from graph.ranking import (
    mark_holdout,
    ranked_since,
    read_competitors,
    read_incumbents,
    read_pairs,
    read_reciprocal,
    read_taken,
    read_unmatched,
    replace_rankings,
    states_on_file,
)
from graph.supporters import supporters_in_partitions
from ingest.area_codes import AREA_CODE
from outreach.core.settings import Settings
from outreach.matching.assign import Assignment, assign
from outreach.matching.election import calendar_warnings, settings_warnings
from outreach.matching.features import PairFeatures
from outreach.matching.impact import second_ask_share
from outreach.matching.matcher_settings import MatcherSettings, settings_fingerprint
from outreach.matching.scoring import score_pairs
from outreach.matching.stability import favour_incumbents
from outreach.usecases import jobs
from outreach.usecases.jobs import TaskQueue

Report = Callable[[dict[str, int]], None]
CANDIDATES_PER_SLOT = 4


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored pair that may be assigned: everything the ranking row needs.

    ``held`` marks a pair eligible but for the holdout draw, at the value it would have
    had: it takes part in the first assignment, which decides who would have been
    assigned, and never in the second, which is written.
    """

    supporter_id: str
    friend_key: str
    impact: float
    channel: str
    reasons: list[str]
    factors: dict[str, float]
    state: str | None
    held: bool = False


@dataclass
class PartitionScores:
    """One partition's output: pruned candidates, held-out keys, and counts."""

    supporter_ids: list[str]
    candidates: list[Candidate] = field(default_factory=list)
    held_out: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    scored_friends: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe form, to cross the task queue."""
        return {
            "supporter_ids": self.supporter_ids,
            "candidates": [asdict(c) for c in self.candidates],
            "held_out": self.held_out,
            "counts": self.counts,
            "scored_friends": self.scored_friends,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartitionScores:
        """Rebuild from ``to_json``."""
        return cls(
            supporter_ids=list(data["supporter_ids"]),
            candidates=[Candidate(**c) for c in data["candidates"]],
            held_out=list(data["held_out"]),
            counts=dict(data["counts"]),
            scored_friends=list(data.get("scored_friends", [])),
        )


@dataclass
class RankResult:
    """What a ranking run did.

    ``expected_votes`` is the expected net votes of the asks assigned (unweighted);
    ``weighted_value`` the same weighted by state (what the assignment maximizes);
    ``warnings`` what the organizer should know about the election and the settings.
    """

    run_id: str
    model_version: int
    counts: dict[str, int]
    expected_votes: float
    weighted_value: float = 0.0
    warnings: list[str] = field(default_factory=list)


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
        party=row.get("party"),
        birth_year=int(row["birth_year"]) if row.get("birth_year") is not None else None,
        household_id=row.get("household_id"),
        on_file=bool(row.get("on_file", True)),
        by_area_code=row.get("state_source") == AREA_CODE,
    )


def score_partition(
    driver: Driver, *, supporter_ids: list[str], settings: MatcherSettings, as_of: date
) -> PartitionScores:
    """Read and score these supporters' pairs; keep each supporter's best candidates."""
    geos = [g for g in settings.targets if settings.weights.get(g, 0) > 0]
    rows = read_pairs(driver, supporter_ids=supporter_ids, geos=geos)
    # Friends placed in a target state whose file is loaded, but not found in it: the
    # registration pool.
    states = states_on_file(driver, states=sorted({g.split("-")[0] for g in geos}))
    unmatched = read_unmatched(driver, supporter_ids=supporter_ids, states=states)
    for row in unmatched:
        row["on_file"] = False
    rows.extend(unmatched)
    reciprocal = read_reciprocal(driver, supporter_ids=supporter_ids)
    state_of = {(str(r["supporter_id"]), str(r["friend_key"])): r.get("state") for r in rows}
    scored = score_pairs([features(r, reciprocal) for r in rows], settings, as_of=as_of)
    by_supporter: dict[str, list[Candidate]] = defaultdict(list)
    held: set[str] = set()
    eligible = 0
    counts = {"pairs": len(rows), "support_from_prior": 0, "turnout_imputed": 0}
    for s in scored:
        f = s.factors
        counts["support_from_prior"] += f["support_from_prior"] > 0
        counts["turnout_imputed"] += f["turnout_imputed"] > 0
        is_held = s.exclusion == "held_out" and would_ask(f)
        if is_held:
            held.add(s.friend_key)
        elif s.impact <= 0 or s.exclusion is not None:
            continue
        else:
            eligible += 1
        by_supporter[s.supporter_id].append(
            Candidate(
                supporter_id=s.supporter_id,
                friend_key=s.friend_key,
                impact=value_of(f) if is_held else s.impact,
                channel=s.channel,
                reasons=list(s.reasons),
                factors=dict(f),
                state=state_of.get((s.supporter_id, s.friend_key)),
                held=is_held,
            )
        )
    keep = CANDIDATES_PER_SLOT * settings.n * max(settings.k, 1)
    candidates = [
        c
        for group in by_supporter.values()
        for c in heapq.nlargest(keep, group, key=lambda c: (c.impact, c.friend_key))
    ]
    return PartitionScores(
        supporter_ids=supporter_ids,
        candidates=candidates,
        held_out=sorted(held),
        counts={**counts, "eligible": eligible, "held_out": len(held)},
        scored_friends=sorted({s.friend_key for s in scored}),
    )


def value_of(factors: dict[str, float]) -> float:
    """The weighted value the factors make: what a held-out friend's ask would have been worth."""
    f = factors
    return f["deliver"] * f["match_p"] * f["state_weight"] * f["net_votes"]


def would_ask(factors: dict[str, float]) -> bool:
    """True when the factors make a positive ask."""
    return value_of(factors) > 0.0


def assign_and_write(
    driver: Driver,
    *,
    partitions: Iterable[PartitionScores],
    settings: MatcherSettings,
    model_version: int,
    full: bool = False,
) -> RankResult:
    """Assign friends across all partitions within the caps, and swap in the new rankings.

    ``full``: the partitions cover every supporter, so holdout flags left on friends
    nobody scored any more are cleared too.

    The holdout is drawn among the friends who would have been assigned: a first
    assignment includes the pairs held back only by the draw; the friends it assigns whose
    draw holds them out are the holdout. The second assignment, without any held-back
    pair, is written.
    """
    scope: list[str] = []
    candidates: list[Candidate] = []
    drawn: set[str] = set()
    scored_friends: set[str] = set()
    summed = ("pairs", "eligible", "support_from_prior", "turnout_imputed")
    counts = dict.fromkeys(("supporters", *summed, "held_out", "assigned", "asks"), 0)
    for part in partitions:
        scope.extend(part.supporter_ids)
        candidates.extend(part.candidates)
        drawn.update(part.held_out)
        scored_friends.update(part.scored_friends)
        for key in summed:
            counts[key] += int(part.counts.get(key, 0))
    counts["supporters"] = len(scope)
    by_pair = {(c.supporter_id, c.friend_key): c for c in candidates}
    rows: list[dict[str, Any]] = []
    repeat = second_ask_share(settings)
    # Friends already shown or asked stay with their supporter (outreach/matching/stability.py).
    choices = favour_incumbents(
        candidates, read_incumbents(driver, supporter_ids=scope), k=settings.k
    )
    valued = {(c.supporter_id, c.friend_key): c.impact for c in choices}
    counts["kept"] = sum(1 for pair, value in valued.items() if value != by_pair[pair].impact)
    assigned = assign(choices, k=settings.k, n=settings.n, repeat=repeat)
    pool = {a.friend_key for a in assigned}
    held = pool & drawn
    counts["held_out"] = len(held)
    if drawn:
        kept = [c for c in choices if c.friend_key not in drawn]
        assigned = assign(kept, k=settings.k, n=settings.n, repeat=repeat)
    for a in ranked_by_value(assigned, valued, by_pair):
        c = by_pair[(a.supporter_id, a.friend_key)]
        f = c.factors
        reach = f["deliver"] * f["match_p"]
        whole = value_of(f)
        share = a.impact / whole if whole > 0 else 0.0  # below 1 for a friend's later ask
        rows.append(
            {
                "supporter_id": a.supporter_id,
                "friend_key": a.friend_key,
                "rank": a.rank,
                "impact": a.impact,
                "expected_votes": share * f["expected_votes"],
                "expected_mobilization": share * reach * f["mobilization"],
                "expected_persuasion": share * reach * f["persuasion"],
                "support_source": support_source(f),
                "turnout_imputed": f["turnout_imputed"] > 0,
                "channel": c.channel,
                "factors": json.dumps(f, sort_keys=True),
                "reasons": c.reasons,
                "state": c.state,
            }
        )
    run_id = uuid.uuid4().hex
    # "assigned" counts friends, as the reports do; "asks" counts rankings (k per friend at most).
    counts["asks"] = replace_rankings(
        driver, supporter_ids=scope, rows=rows, model_version=model_version, run_id=run_id
    )
    counts["assigned"] = len({row["friend_key"] for row in rows})
    if held or scored_friends or full:
        mark_holdout(
            driver,
            keys=sorted(held),
            pool=sorted(pool),
            cleared=sorted(scored_friends),
            model_version=model_version,
            fingerprint=settings_fingerprint(settings),
            everywhere=full,
        )
    return RankResult(
        run_id=run_id,
        model_version=model_version,
        counts=counts,
        expected_votes=float(sum(float(r["expected_votes"]) for r in rows)),
        weighted_value=float(sum(float(r["impact"]) for r in rows)),
    )


def ranked_by_value(
    assigned: list[Assignment],
    valued: dict[tuple[str, str], float],
    by_pair: dict[tuple[str, str], Candidate],
) -> list[Assignment]:
    """The assignment in the pairs' own values (not the incumbents' raised ones), re-ranked."""
    by_supporter: dict[str, list[Assignment]] = defaultdict(list)
    for a in assigned:
        pair = (a.supporter_id, a.friend_key)
        share = a.impact / valued[pair] if valued[pair] else 0.0
        by_supporter[a.supporter_id].append(
            Assignment(a.supporter_id, a.friend_key, 0, share * by_pair[pair].impact)
        )
    out: list[Assignment] = []
    for sid in sorted(by_supporter):
        ordered = sorted(by_supporter[sid], key=lambda a: (-a.impact, a.friend_key))
        out.extend(
            Assignment(a.supporter_id, a.friend_key, i, a.impact)
            for i, a in enumerate(ordered, start=1)
        )
    return out


def support_source(factors: dict[str, float]) -> str:
    """Where a friend's support came from: the model score, party, or the prior."""
    if factors.get("support_from_prior", 0.0) > 0:
        return "prior"
    if factors.get("support_from_party", 0.0) > 0:
        return "party"
    return "score"


def partition_scope(driver: Driver, *, partition: int, partitions: int) -> list[str]:
    """The supporters of one of ``partitions`` slices of the stored partitions."""
    from outreach.core.partition import PARTITIONS

    wanted = [p for p in range(PARTITIONS) if p % partitions == partition]
    return supporters_in_partitions(driver, wanted, with_unassigned=partition == 0)


RANKINGS_LOCK = "rankings"
LOCK_HOLD_SECONDS = 60.0  # renewed while held; what a killed re-rank blocks others for
LOCK_WAIT_SECONDS = 1800.0
LOCK_POLL_SECONDS = 0.05  # a supporter waits on it after an upload


@contextlib.contextmanager
def writing_rankings(driver: Driver) -> Iterator[None]:
    """One re-rank at a time decides and writes assignments.

    Scoring runs in parallel; what is already taken, the assignment and the write happen
    under one lock, so two re-ranks that overlap (two uploads at once, an upload during a
    full re-rank) never decide from each other's half-written state.
    """
    with locks.held(
        driver,
        RANKINGS_LOCK,
        hold_seconds=LOCK_HOLD_SECONDS,
        wait_seconds=LOCK_WAIT_SECONDS,
        poll=LOCK_POLL_SECONDS,
    ):
        yield


def finish(
    driver: Driver,
    *,
    partitions: list[PartitionScores],
    settings: MatcherSettings,
    version: int,
    started: float | None = None,
) -> RankResult:
    """Assign across every partition's candidates and write the rankings (a fanned-out re-rank).

    The partitions were scored without the lock, from ``started`` on. A supporter whose list
    was written since (the re-rank after their upload) has a fresher one than these scores:
    they, and their candidates, are left as they are.
    """
    with writing_rankings(driver):
        if started is not None:
            scope = [sid for part in partitions for sid in part.supporter_ids]
            fresher = ranked_since(driver, supporter_ids=scope, since=started)
            if fresher:
                for part in partitions:
                    part.supporter_ids = [s for s in part.supporter_ids if s not in fresher]
                    part.candidates = [c for c in part.candidates if c.supporter_id not in fresher]
        return assign_and_write(
            driver, partitions=partitions, settings=settings, model_version=version, full=True
        )


def rank(
    driver: Driver,
    *,
    supporter_ids: list[str] | None = None,
    include_competitors: bool = True,
    as_of: date | None = None,
    report: Report | None = None,
    partitions: int = 4,
) -> RankResult:
    """Re-rank all supporters, or the given ones and those whose lists their friends can move.

    After an upload, the scope is the uploader and the supporters currently assigned one
    of the uploader's friends (``read_competitors``), not everyone who knows one of them:
    the others' lists cannot change. Friends assigned outside the scope stay where they are.
    """
    with writing_rankings(driver):
        return _rank_locked(
            driver,
            supporter_ids=supporter_ids,
            include_competitors=include_competitors,
            as_of=as_of,
            report=report,
            partitions=partitions,
        )


MERGE_AT_MOST = 32  # upload re-ranks one run takes in (their scopes grow its own)


@dataclass
class UploadRank:
    """An upload's re-rank: its result, or that another run already covered it."""

    counts: dict[str, Any]
    merged: list[str] = field(default_factory=list)  # the waiting jobs this run covered
    merged_into: str | None = None  # the run that covered this one


def rank_after_upload(
    driver: Driver,
    *,
    job_id: str,
    supporter_id: str,
    report: Report | None = None,
    as_of: date | None = None,
) -> UploadRank:
    """Re-rank after an upload, taking in the other uploads' re-ranks that wait for a worker.

    Several uploads at once each chain a re-rank, and those runs take the rankings lock one
    after another. Whichever gets the lock first also covers every upload whose load has
    finished but whose re-rank has not started: one read, one assignment and one write for
    all of them, and their jobs end with this one's counts. A covered job's own task then
    finds it done (or, if it had already started, finds it done once it gets the lock).
    """
    with writing_rankings(driver):
        merged_into, status = job_merged_into(driver, job_id)
        if merged_into is not None and status == "succeeded":
            return UploadRank(counts=get_job(driver, job_id).counts, merged_into=merged_into)
        claimed = claim_waiting_ranks(driver, into=job_id, limit=MERGE_AT_MOST)
        scope = sorted({supporter_id, *(owner for _, owner in claimed)})
        try:
            result = _rank_locked(
                driver,
                supporter_ids=scope,
                include_competitors=True,
                as_of=as_of,
                report=report,
                partitions=1,
            )
        except BaseException:
            for other, _ in claimed:  # their own tasks will run them
                update_job(driver, job_id=other, status="queued", counts={}, message=None)
            raise
        counts: dict[str, Any] = {**result.counts, "model_version": result.model_version}
        for other, _ in claimed:
            update_job(
                driver,
                job_id=other,
                status="succeeded",
                counts=counts,
                message=f"re-ranked together with job {job_id}",
            )
        return UploadRank(
            counts={**counts, "uploads": 1 + len(claimed)}, merged=[j for j, _ in claimed]
        )


def _rank_locked(
    driver: Driver,
    *,
    supporter_ids: list[str] | None,
    include_competitors: bool,
    as_of: date | None,
    report: Report | None,
    partitions: int,
) -> RankResult:
    """``rank`` with the rankings lock held: what it reads is what it writes over."""
    version, settings = current_settings(driver)
    day = as_of or date.today()
    if supporter_ids is None:
        slices = [
            partition_scope(driver, partition=p, partitions=partitions) for p in range(partitions)
        ]
    else:
        scope = sorted(set(supporter_ids))
        if include_competitors and scope:
            scope = sorted(set(scope) | set(read_competitors(driver, supporter_ids=scope)))
        slices = [scope]
    scored: list[PartitionScores] = []
    for ids in slices:
        scored.append(score_partition(driver, supporter_ids=ids, settings=settings, as_of=day))
        if report:
            report({"partitions_scored": len(scored), "partitions": len(slices)})
    if supporter_ids is not None:
        # Friends already given to k supporters outside this scope stay with them; one
        # given to fewer is asked here at the value of its next ask.
        keys = [c.friend_key for scores in scored for c in scores.candidates]
        taken = read_taken(driver, keys=keys, scope=slices[0])
        repeat = second_ask_share(settings)
        for scores in scored:
            scores.candidates = [
                replace(c, impact=c.impact * repeat ** taken.get(c.friend_key, 0))
                for c in scores.candidates
                if taken.get(c.friend_key, 0) < settings.k
            ]
    result = assign_and_write(
        driver,
        partitions=scored,
        settings=settings,
        model_version=version,
        full=supporter_ids is None,
    )
    result.warnings = calendar_warnings(settings, day) + settings_warnings(settings)
    if report:
        report(dict(result.counts))
    return result


def request(
    driver: Driver,
    queue: TaskQueue,
    settings: Settings,
    *,
    supporter_ids: list[str] | None = None,
    owner: str | None = None,
) -> str:
    """Record and queue a re-rank (everyone, or these supporters and their competitors).

    At most one full re-rank waits at a time: asking again while one is queued returns
    that job's id, since it will rank with the settings in force when it starts.
    """
    params: dict[str, Any] = {"supporters": len(supporter_ids) if supporter_ids else "all"}
    if supporter_ids is None:
        waiting = jobs.pending(driver, kind="rank", params=params)
        if waiting is not None:
            return waiting
    job_id = jobs.record(driver, kind="rank", owner=owner, params=params)
    partitions = settings.rank_partitions if supporter_ids is None else 0
    jobs.publish(
        driver,
        [job_id],
        lambda: queue.rank(job_id, supporter_ids=supporter_ids, partitions=partitions),
    )
    return job_id
