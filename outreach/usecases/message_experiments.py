"""Message experiments: organizers test message variants on real asks and promote the winner.

An organizer defines two to six variants (templates with the friend's first name, state,
registration deadline and the supporter's name, a fallback, and optional texts for
segments of the voter file), the share of asks in the experiment, and which outcomes
count as success. Starting an experiment stops the current one. While it runs, each
(supporter, friend) pair in its share is shown the variant drawn for the pair
(``outreach.matching.experiments``) on the supporter's list, and the outcome is recorded
with it. The report gives each variant's success rate with an interval and whether the
rates differ. With Thompson sampling, a rebalance shifts the shares of new draws toward
the likely winner; promoting a variant sends it to every ask and ends the test.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import Driver

from graph import experiments as store
from graph.outcomes import OUTCOMES
from outreach.core.errors import Conflict, InvalidInput, NotFound, RowError
from outreach.matching.experiments import (
    FALLBACK_FIELDS,
    SEGMENT_FIELDS,
    Recipient,
    Segment,
    Variant,
    draw_variant,
    equal_allocation,
    in_experiment,
    render,
    template_errors,
    thompson_allocation,
    variant_report,
)

SUCCESS_CHOICES = tuple(o for o in OUTCOMES if o != "asked")
MAX_TEXT = 600


@dataclass(frozen=True, slots=True)
class VariantSpec:
    """A variant as an organizer writes it."""

    name: str
    template: str
    fallback: str
    segments: Sequence[dict[str, str]] = ()


@dataclass(frozen=True, slots=True)
class Draw:
    """The experiment and variant a pair's ask belongs to."""

    experiment_id: str
    variant_id: str


def _problem(errors: list[RowError]) -> InvalidInput:
    return InvalidInput("the experiment is not valid: " + "; ".join(
        f"{e.field}: {e.reason}" for e in errors
    ), errors)  # fmt: skip


def _check(variants: Sequence[VariantSpec], success: Sequence[str]) -> list[RowError]:
    errors: list[RowError] = []

    def bad(where: str, reason: str) -> None:
        errors.append(RowError(line=None, field=where, reason=reason))

    if not 2 <= len(variants) <= 6:
        bad("variants", "give two to six variants")
    names = [v.name.strip().casefold() for v in variants]
    if len(set(names)) != len(names):
        bad("variants", "each variant needs its own name")
    for i, v in enumerate(variants):
        if not v.name.strip():
            bad(f"variants[{i}].name", "the name is empty")
        for where, text, allowed in (
            ("template", v.template, None),
            ("fallback", v.fallback, FALLBACK_FIELDS),
        ):
            if len(text) > MAX_TEXT:
                bad(f"variants[{i}].{where}", f"at most {MAX_TEXT} characters")
            for reason in template_errors(text, **({"allowed": allowed} if allowed else {})):
                bad(f"variants[{i}].{where}", reason)
        for j, seg in enumerate(v.segments):
            where = f"variants[{i}].segments[{j}]"
            if seg.get("field") not in SEGMENT_FIELDS:
                bad(f"{where}.field", "use one of " + ", ".join(SEGMENT_FIELDS))
            if not str(seg.get("equals") or "").strip():
                bad(f"{where}.equals", "say which value the segment is for")
            for reason in template_errors(str(seg.get("template") or "")):
                bad(f"{where}.template", reason)
    unknown = [s for s in success if s not in SUCCESS_CHOICES]
    if not success or unknown:
        bad("success", "name outcomes among " + ", ".join(SUCCESS_CHOICES))
    return errors


def create(
    driver: Driver,
    *,
    name: str,
    variants: Sequence[VariantSpec],
    share: float,
    success: Sequence[str],
    thompson: bool,
    author: str,
) -> dict[str, Any]:
    """Validate and start the experiment (stopping the current one); return it."""
    errors = _check(variants, success)
    if not name.strip():
        errors.insert(0, RowError(line=None, field="name", reason="the name is empty"))
    if not 0.0 < share <= 1.0:
        errors.append(RowError(line=None, field="share", reason="a share above 0, at most 1"))
    if errors:
        raise _problem(errors)
    experiment_id = uuid.uuid4().hex[:12]
    ids = [chr(ord("A") + i) for i in range(len(variants))]
    allocation = equal_allocation(ids)
    store.create_experiment(
        driver,
        {
            "id": experiment_id,
            "name": name.strip(),
            "share": share,
            "success": list(dict.fromkeys(success)),
            "thompson": thompson,
            "author": author,
            "allocation_ids": ids,
            "allocation_weights": [allocation[i] for i in ids],
            "variants": [
                {
                    "id": vid,
                    "name": v.name.strip(),
                    "template": v.template,
                    "fallback": v.fallback,
                    "segments": json.dumps(list(v.segments)),
                }
                for vid, v in zip(ids, variants, strict=True)
            ],
        },
    )
    return get(driver, experiment_id)


def _view(row: dict[str, Any]) -> dict[str, Any]:
    variants = sorted(row["variants"] or [], key=lambda v: v["id"])
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "share": row["share"],
        "success": list(row["success"] or []),
        "thompson": bool(row["thompson"]),
        "winner": row["winner"],
        "author": row["author"],
        "created_at": row["created_at"],
        "allocation": dict(
            zip(row["allocation_ids"] or [], row["allocation_weights"] or [], strict=True)
        ),
        "variants": [{**v, "segments": json.loads(v["segments"] or "[]")} for v in variants],
    }


def get(driver: Driver, experiment_id: str) -> dict[str, Any]:
    """The experiment, or NotFound."""
    row = store.get_experiment(driver, experiment_id)
    if row is None:
        raise NotFound(f"no experiment {experiment_id!r}")
    return _view(row)


def listing(driver: Driver) -> list[dict[str, Any]]:
    """The latest experiments, newest first."""
    return [_view(r) for r in store.list_experiments(driver)]


def _stats(driver: Driver, experiment: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per variant: (successes, asks), and the outcomes recorded, by pair."""
    success = set(experiment["success"])
    ids = [v["id"] for v in experiment["variants"]]
    asks: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = {v: Counter() for v in ids}
    for row in store.asks_under(driver, experiment["id"]):
        variant = str(row["variant"])
        if variant not in outcomes:
            continue
        answers = [o for o in row["outcomes"] if o]
        asks[variant] += 1
        wins[variant] += any(o in success for o in answers)
        outcomes[variant].update(set(answers))
    return {v: (wins[v], asks[v]) for v in ids}, outcomes


def report(driver: Driver, experiment_id: str, *, confidence: float = 0.95) -> dict[str, Any]:
    """Each variant's asks, outcomes and success rate with an interval; whether they differ."""
    experiment = get(driver, experiment_id)
    stats, outcomes = _stats(driver, experiment)
    figures = variant_report(stats, alpha=1.0 - confidence)
    names = {v["id"]: v["name"] for v in experiment["variants"]}
    for row in figures["variants"]:
        row["name"] = names[row["variant_id"]]
        row["outcomes"] = dict(outcomes[row["variant_id"]])
        row["allocation"] = experiment["allocation"].get(row["variant_id"])
    return {"experiment": experiment, **figures}


def stop(driver: Driver, experiment_id: str) -> dict[str, Any]:
    """Stop the experiment: lists go back to the usual message."""
    get(driver, experiment_id)
    store.set_status(driver, experiment_id, status="stopped", winner=None)
    return get(driver, experiment_id)


def promote(driver: Driver, experiment_id: str, *, variant_id: str) -> dict[str, Any]:
    """Send the winning variant to every ask from now on; the test ends."""
    experiment = get(driver, experiment_id)
    if variant_id not in {v["id"] for v in experiment["variants"]}:
        raise InvalidInput(
            f"the experiment has no variant {variant_id!r}",
            [RowError(line=None, field="variant_id", reason="not a variant of this experiment")],
        )
    if experiment["status"] == "stopped":
        raise Conflict("the experiment is stopped: start a new one to send its message")
    store.set_status(driver, experiment_id, status="promoted", winner=variant_id)
    return get(driver, experiment_id)


def rebalance(driver: Driver, experiment_id: str) -> dict[str, Any]:
    """Thompson sampling: shift new draws toward the variants likeliest to be best."""
    experiment = get(driver, experiment_id)
    if experiment["status"] != "running":
        raise Conflict("only a running experiment can be rebalanced")
    if not experiment["thompson"]:
        raise Conflict("the experiment keeps equal shares: start it with Thompson sampling")
    stats, _ = _stats(driver, experiment)
    seed = f"{experiment_id}:{sum(n for _, n in stats.values())}"
    store.set_allocation(driver, experiment_id, thompson_allocation(stats, seed=seed))
    return get(driver, experiment_id)


def _variants(experiment: dict[str, Any]) -> dict[str, Variant]:
    return {
        v["id"]: Variant(
            id=v["id"],
            name=v["name"],
            template=v["template"],
            fallback=v["fallback"],
            segments=tuple(
                Segment(field=s["field"], equals=s["equals"], template=s["template"])
                for s in v["segments"]
            ),
        )
        for v in experiment["variants"]
    }


def draw_for(experiment: dict[str, Any], *, supporter_id: str, friend_id: str) -> str | None:
    """The variant this pair is shown: the winner once promoted; None outside the share."""
    if experiment["status"] == "promoted":
        return str(experiment["winner"])
    if not in_experiment(experiment["id"], supporter_id, friend_id, share=experiment["share"]):
        return None
    return draw_variant(
        experiment["id"], supporter_id, friend_id, allocation=experiment["allocation"]
    )


MessageFor = Callable[[str, str | None, str | None, date | None], str | None]


def messages_for(driver: Driver, *, supporter_id: str, today: date) -> MessageFor | None:
    """For the supporter's list: (friend id, first name, state name, deadline) -> the text.

    None when no experiment is current; the function gives None for a pair outside it.
    """
    experiment = current(driver)
    if experiment is None:
        return None
    variants = _variants(experiment)
    texts = [t for v in variants.values() for t in (v.template, *(g.template for g in v.segments))]
    needs_name = any("{supporter_name}" in t for t in texts)
    supporter_name = store.supporter_first_name(driver, supporter_id) if needs_name else None
    facts: dict[str, dict[str, Any]] = {}

    def message(
        friend_id: str, first_name: str | None, state_name: str | None, deadline: date | None
    ) -> str | None:
        chosen = draw_for(experiment, supporter_id=supporter_id, friend_id=friend_id)
        if chosen is None or chosen not in variants:
            return None
        variant = variants[chosen]
        if variant.segments and friend_id not in facts:
            facts.update(
                store.friend_facts(driver, supporter_id=supporter_id, friend_ids=[friend_id])
            )
        known = facts.get(friend_id, {})
        to = Recipient(
            first_name=first_name,
            state_name=state_name,
            deadline=deadline,
            supporter_name=supporter_name,
            facts={k: (str(known[k]) if known.get(k) else None) for k in SEGMENT_FIELDS},
        )
        return render(variant, to, today=today)

    return message


def current(driver: Driver) -> dict[str, Any] | None:
    """The running or promoted experiment, if any."""
    row = store.current_experiment(driver)
    return _view(row) if row else None


def draw_for_outcome(driver: Driver, *, supporter_id: str, friend_id: str) -> Draw | None:
    """The experiment and variant to record an outcome under; None outside a running test.

    A pair asked before keeps the variant it was first asked with.
    """
    experiment = current(driver)
    if experiment is None or experiment["status"] != "running":
        return None
    earlier = store.pair_variant(
        driver, experiment_id=experiment["id"], supporter_id=supporter_id, friend_id=friend_id
    )
    chosen = earlier or draw_for(experiment, supporter_id=supporter_id, friend_id=friend_id)
    return Draw(experiment["id"], chosen) if chosen else None
