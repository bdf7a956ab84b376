"""Train and run the field-aware linkage model on two sides of rows, or one side for dedupe.

:func:`train` estimates the model of ``ingest.link_fields`` over the fields both sides
carry, with splink: u from random pairs, less the matches among them; the prior from
deterministic rules (or, given labelled pairs, from their share); m from those labelled
pairs, or else by expectation maximisation over several blocks, each one skipped with a
warning when the files give it no pairs. Levels that training never saw get a rare m, so
a saved model always loads; training never fails on a file that lacks a field.

:func:`score` runs a trained model (the saved settings, a plain dict) and returns every
blocked pair with its match weight (an agreeing full name weighed by its own frequency,
:class:`FullNames`) and whether anything beyond name and place agrees;
:func:`decide_links` turns them into one decision per left record, optionally one-to-one.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import Linker, SettingsCreator
from splink.internals.exceptions import SplinkException

from ingest.link_decide import REVIEW_LIMIT, on_its_own
from ingest.link_fields import (
    COARSER_LEVELS,
    arrow_table,
    blocking_rules,
    comparisons,
    deterministic_rules,
    present_fields,
    training_rules,
)
from ingest.linking import LinkDecision
from ingest.place_areas import learn_place_areas
from ingest.splink_model import duckdb_api

log = logging.getLogger(__name__)
MIN_MATCH_WEIGHT = -10.0  # pairs below odds of 1 in 1024 are not kept
_UNOBSERVED_M = 0.001
_DETERMINISTIC_RECALL = 0.7
EM_BLOCKS = 2  # expectation maximisation blocks trained, when the files give that many
LEFT, RIGHT = "records_left", "records_right"  # table names; splink's source datasets


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """One blocked pair of a left and a right record, with splink's match weight."""

    left: str
    right: str
    match_weight: float
    # Something beyond name and place speaks for the pair: a phone, email, birth date or
    # street address at a level whose weight is positive (:func:`corroborating_sql`).
    corroborated: bool = True

    @property
    def probability(self) -> float:
        """The pair's match probability on its own."""
        weight: float = min(max(self.match_weight, -500.0), 500.0)
        return 1.0 / (1.0 + math.pow(2.0, -weight))


@contextmanager
def _splink_quiet() -> Iterator[None]:
    """splink's own warnings off: levels it cannot train are filled in here on purpose."""
    splink_log = logging.getLogger("splink")
    level = splink_log.level
    splink_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        splink_log.setLevel(level)


class Tables:
    """Both sides as DuckDB tables, made once for training and then for scoring.

    Building the Arrow tables and splink's term-frequency table costs about as much as
    scoring itself; a run that trains and then scores on the same rows makes them once.
    The rows' ``place_areas`` are filled first (``ingest.place_areas.learn_place_areas``):
    they depend on both sides together, so they are learnt where the two sides meet.
    ``place_areas`` False leaves the rows' own, for a caller that filled them already
    (uploads' training, from the voter side alone).
    """

    def __init__(
        self,
        left: list[dict[str, Any]],
        right: list[dict[str, Any]] | None,
        *,
        place_areas: bool = True,
    ) -> None:
        self.left, self.right = left, right
        if place_areas:
            learn_place_areas(left, *([right] if right is not None else []))
        self.db = duckdb_api()
        self.arrow = [arrow_table(left)] + ([arrow_table(right)] if right is not None else [])
        self.frames = [
            self.db.register(table, table_name=name)
            for table, name in zip(self.arrow, (LEFT, RIGHT), strict=False)
        ]

    def holds(self, left: list[dict[str, Any]], right: list[dict[str, Any]] | None) -> bool:
        """True when these are the rows the tables were made from."""
        return left is self.left and right is self.right


def train(
    left: list[dict[str, Any]],
    right: list[dict[str, Any]] | None,
    *,
    labels: Sequence[tuple[str, str]] = (),
    seed: int | None = 1,
    u_max_pairs: float = 1e5,
    name_frequencies: bool = True,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """A trained model (splink settings as a dict) for these sides; ``right`` None: dedupe.

    ``tables``, made from these same rows, are used (and kept for :func:`score`).
    """
    with _splink_quiet():
        return _train(
            left, right, labels=labels, seed=seed, u_max_pairs=u_max_pairs,
            name_frequencies=name_frequencies, tables=tables,
        )  # fmt: skip


def _train(
    left: list[dict[str, Any]],
    right: list[dict[str, Any]] | None,
    *,
    labels: Sequence[tuple[str, str]],
    seed: int | None,
    u_max_pairs: float,
    name_frequencies: bool,
    tables: Tables | None,
) -> dict[str, Any]:
    """:func:`train`, with splink's warnings already off."""
    if tables is None or not tables.holds(left, right):
        tables = Tables(left, right)
    present = present_fields(*tables.arrow)
    if not present:
        raise ValueError("the files share no field to compare")
    settings = SettingsCreator(
        link_type="dedupe_only" if right is None else "link_only",
        comparisons=comparisons(present, name_frequencies=name_frequencies),
        blocking_rules_to_generate_predictions=blocking_rules(present),
        probability_two_random_records_match=_guess_prior(left, right),
        linker_uid="outreach_fields",
    )
    db = tables.db
    linker = Linker(tables.frames, settings, log_level=None, validate_settings=False)
    # One pass over the sample: the rare levels (transposed birth dates, swapped names)
    # would keep splink's early stop from stopping anyway.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_max_pairs, seed=seed, min_count_per_level=None, num_chunks=1
    )
    prior: float | None = None
    if labels:
        rows = [
            {"source_dataset_l": LEFT, "unique_id_l": a,
             "source_dataset_r": RIGHT if right is not None else LEFT, "unique_id_r": b}
            for a, b in labels
        ]  # fmt: skip
        table = db.register(pa.Table.from_pylist(rows), table_name="labels")
        linker.training.estimate_m_from_pairwise_labels(table)  # type: ignore[no-untyped-call]
    else:
        rules = deterministic_rules(present)
        if rules and _quietly(
            "the share of matching pairs",
            lambda: linker.training.estimate_probability_two_random_records_match(
                rules, recall=_DETERMINISTIC_RECALL
            ),
            linker,
        ):
            prior = linker._settings_obj._probability_two_random_records_match
            if not prior:  # no pair meets the rules: no estimate, the first guess stands
                prior = None
                linker._settings_obj._probability_two_random_records_match = _guess_prior(
                    left, right
                )
        # The first EM_BLOCKS blocks that give pairs: a block the files give nothing (birth
        # dates where one file has years alone) is skipped and the next one taken, since a
        # single block cannot estimate its own fields and leaves the prior adrift.
        trained = 0
        for rule in training_rules(present, most=None):
            if trained == EM_BLOCKS:
                break
            trained += _quietly(
                "expectation maximisation",
                lambda rule=rule: (
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        rule, estimate_without_term_frequencies=True
                    )
                ),
                linker,
            )
    model: dict[str, Any] = linker.misc.save_model_to_json()
    if prior is not None:
        # Counted on rules only true pairs meet: kept. Expectation maximisation also moves
        # the prior, through Bayes factors of its block's own fields that it could not
        # estimate, and on small files that moved it a thousandfold (0.0002 to 0.16).
        model["probability_two_random_records_match"] = _round(prior)
    if labels:
        share = len(labels) / max(_all_pairs(left, right), 1)
        model["probability_two_random_records_match"] = _round(share)
    pairs_sampled = min(u_max_pairs, _all_pairs(left, right))
    _fill_unobserved(model, pairs_sampled=pairs_sampled)
    _without_matches(model, pairs_sampled=pairs_sampled)
    model["outreach_present_fields"] = sorted(present)
    model["outreach_households"] = _round(
        max(household_share(side, db.duckdb_con) for side in tables.arrow)
    )
    log.info("trained a linkage model on %s fields", len(present))
    return model


def _all_pairs(left: list[dict[str, Any]], right: list[dict[str, Any]] | None) -> float:
    """How many pairs the sides make: left by right, or each pair of one side once."""
    return len(left) * (len(right) if right is not None else (len(left) - 1) / 2)


def _guess_prior(left: list[dict[str, Any]], right: list[dict[str, Any]] | None) -> float:
    """A first guess at the share of pairs that match: each smaller-side record once."""
    if right is None:
        return min(0.5, 1.0 / max(len(left) - 1, 1))
    return min(0.5, 1.0 / max(len(left), len(right), 1))


def _quietly(what: str, step: Any, linker: Linker) -> bool:
    """Run one training step; when the files give it nothing to learn from, say so and go on.

    True when the step ran. A step that fails leaves ``linker``'s model as it found it:
    splink's expectation maximisation takes its block's comparisons out of the linker's
    settings (and sets the prior to the block's) as it starts, and puts them back only
    when it ends. One that failed for want of pairs left a model without those fields,
    and with no comparison at all after a few, a query splink could not build.
    """
    model = linker._settings_obj.core_model_settings
    comparisons, prior = model.comparisons, model.probability_two_random_records_match
    try:
        step()
    except (SplinkException, ValueError, ZeroDivisionError) as exc:
        model.comparisons, model.probability_two_random_records_match = comparisons, prior
        reason = str(exc).strip().split("\n", 1)[0].split(".  ", 1)[0]  # its first sentence
        if "resulted in no record pairs" in reason:
            log.info("skipped a training step (%s): no pair of records meets its block", what)
        else:
            log.warning("skipped a training step (%s): %s: %s", what, type(exc).__name__, reason)
        return False
    return True


def _round(value: float) -> float:
    """Ten significant digits, below the noise of DuckDB's parallel sums: stable files."""
    return float(f"{value:.10g}")


def _fill_unobserved(model: dict[str, Any], *, pairs_sampled: float) -> None:
    """Give levels training never saw an m and a u; round every probability.

    A level unseen, or all but unseen, among matches gets a rare m. A comparison that no
    training step could estimate at all (a file with phones alone, where the only block
    is the phone) gets the ladder of :data:`_DEFAULT_M` instead: agreement likely among
    matches, each looser level less so. A u unseen among the random pairs sampled is below one in
    their number, and gets that. A level seen in no pair at all, matching or random,
    weighs nothing (m = u): a rare m over a u below one in the sample would have made it
    strong evidence for a match (13 bits for a place area no row had). A coarser level
    training never saw is worked out from the finer ones first (:func:`_fill_coarser`).
    """
    for comparison in model["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        _fill_coarser(levels)
        estimated = any(isinstance(lvl.get("m_probability"), float | int) for lvl in levels)
        for rank, level in enumerate(levels):
            if estimated and not (_known(level, "m_probability") or _known(level, "u_probability")):
                # Seen in no pair at all, matching or random: no evidence either way.
                level["m_probability"] = level["u_probability"] = _UNOBSERVED_M
            if not isinstance(level.get("m_probability"), float | int):
                level["m_probability"] = (
                    _UNOBSERVED_M if estimated else _default_m(rank, len(levels))
                )
            # A level training saw in almost no match is rare among matches, not
            # impossible: expectation maximisation drives such an m towards zero, and a
            # weight of -30 would be a veto.
            level["m_probability"] = max(level["m_probability"], _UNOBSERVED_M)
            if not isinstance(level.get("u_probability"), float | int):
                level["u_probability"] = 1.0 / max(pairs_sampled, 2.0)
            for name in ("m_probability", "u_probability"):
                level[name] = _round(max(level[name], 1e-12))
    prior = model.get("probability_two_random_records_match")
    if isinstance(prior, float | int):
        model["probability_two_random_records_match"] = _round(min(max(prior, 1e-12), 0.5))


def _without_matches(model: dict[str, Any], *, pairs_sampled: float) -> None:
    """Take the matches out of each level's u.

    splink counts u on pairs drawn at random, and a share of them (the prior, ``p``) are
    matches: what it counts is ``p * m + (1 - p) * u``. Where most records have their
    match in the other file, a level that matches share (a full name, a phone) looks
    that much commoner among non-matches than it is: on files of a few hundred records
    an identical phone weighed no more than the prior against it. The u of non-matches
    is solved for, and kept no lower than one pair in the sample (or the u counted, when
    that is lower), so that a level seen only among matches does not become certainty.
    """
    prior = model.get("probability_two_random_records_match")
    if not isinstance(prior, float | int) or not 0.0 < prior < 1.0:
        return
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if level.get("is_null_level") or not (_known(level, "m_probability") and
                                                  _known(level, "u_probability")):  # fmt: skip
                continue
            floor = min(float(u), 1.0 / max(pairs_sampled, 2.0))
            level["u_probability"] = _round(max((u - prior * m) / (1.0 - prior), floor))


def _known(level: dict[str, Any], name: str) -> bool:
    """True when training gave the level's ``name`` probability."""
    return isinstance(level.get(name), float | int)


def _fill_coarser(levels: Sequence[dict[str, Any]]) -> None:
    """A level of ``COARSER_LEVELS`` that training never saw gets the sums of the m and
    of the u of the finer levels it stands for (those training estimated both of)."""
    by_label = {level.get("label_for_charts"): level for level in levels}
    for label, finer in COARSER_LEVELS.items():
        level = by_label.get(label)
        if level is None or _known(level, "m_probability") or _known(level, "u_probability"):
            continue
        parts = [
            part
            for part in (by_label.get(name) for name in finer)
            if part is not None and _known(part, "m_probability") and _known(part, "u_probability")
        ]
        if parts:
            for name in ("m_probability", "u_probability"):
                level[name] = min(math.fsum(part[name] for part in parts), 1.0)


_DEFAULT_M = 0.9  # m of the closest level of a comparison training could not estimate


def _default_m(rank: int, levels: int) -> float:
    """The assumed m of the ``rank``-th level (0 closest; the last is "anything else")."""
    if rank == 0:
        return _DEFAULT_M
    return (1.0 - _DEFAULT_M) / max(levels - 1, 1)


def model_link_type(model: dict[str, Any], *, dedupe: bool) -> dict[str, Any]:
    """The model's settings set for linking two files or deduplicating one."""
    return {**model, "link_type": "dedupe_only" if dedupe else "link_only"}


def score(
    model: dict[str, Any],
    left: list[dict[str, Any]],
    right: list[dict[str, Any]] | None,
    *,
    min_match_weight: float | None = MIN_MATCH_WEIGHT,
    tables: Tables | None = None,
) -> list[ScoredPair]:
    """Every blocked pair at or above ``min_match_weight`` (None: all); ``right`` None: dedupe.

    ``tables`` made from these same rows (by :func:`train`'s caller, say) are used.
    """
    if not left or (right is not None and not right):
        return []
    settings = model_link_type(model, dedupe=right is None)
    settings.pop("outreach_present_fields", None)
    households = float(settings.pop("outreach_households", 0.0) or 0.0) >= HOUSEHOLDS
    settings["retain_intermediate_calculation_columns"] = households  # each field's weight
    if tables is None or not tables.holds(left, right):
        tables = Tables(left, right)
    with _splink_quiet():
        linker = Linker(tables.frames, settings, log_level=None, validate_settings=False)
        predictions = linker.inference.predict(threshold_match_weight=min_match_weight)
    table = predictions.as_duckdbpyrelation()
    weight = household_weight_sql(table.columns) if households else "match_weight"
    if min_match_weight is not None:
        table = table.filter(f"{weight} >= {float(min_match_weight)!r}")
    strong = corroborating_sql(settings, table.columns)
    names = FullNames(settings, left, right, table.columns)
    source = "source_dataset_l" if "source_dataset_l" in table.columns else f"'{LEFT}'"
    rows = table.select(
        f"{source}, unique_id_l, unique_id_r, {weight}, {strong}, {names.columns}"
    ).fetchall()
    floor = -math.inf if min_match_weight is None else min_match_weight
    pairs = []
    for source, a, b, weight, corroborated, first, last in rows:
        weight += names.adjustment(source, a, first, last)
        if weight < floor:
            continue
        if right is not None and source == RIGHT:  # splink may put the right side first
            a, b = b, a
        pairs.append(ScoredPair(str(a), str(b), float(weight), bool(corroborated)))
    return pairs


# The first-name levels just below exact (``ingest.link_fields``): the same once nicknames
# are folded, one a nickname of the other, Jaro-Winkler 0.92 (one typo).
_NEAR_FIRST_LEVELS = 3


class FullNames:
    """The weight of an agreeing full name from how often that full name occurs.

    splink weighs the first and the last name apart, the surname by its own frequency,
    as if first names and surnames were paired at random. They are not: a name that a
    file holds once is, by that count, about as rare as a full name can look, and the
    product of its first name's and surname's shares can make it look many times
    rarer, so that a namesake's record looks like the person. Where both names agree
    exactly, the two weights' frequency parts (the first name's u and the surname's
    term frequency) are replaced by the share of records with that full name, counted
    on both files as splink counts term frequencies.

    That share is never allowed to make an exact full name weigh less than the same
    surname with first names that agree only nearly (the least of the levels below exact:
    the same once nicknames are folded, a nickname, one typo): exact agreement is never
    weaker evidence than near agreement. On
    small files it would: a name that each file holds once has a share of one in half
    the records, the count including the pair itself, and an identical name scored below
    a misspelt one.
    """

    def __init__(
        self,
        model: dict[str, Any],
        left: list[dict[str, Any]],
        right: list[dict[str, Any]] | None,
        columns: Sequence[str],
    ) -> None:
        self.columns = "NULL, NULL"
        self._delta: dict[tuple[str, str], float] = {}
        self._first_gamma = self._last_gamma = -2  # no level: nothing is adjusted
        self._sides: dict[str, dict[Any, dict[str, Any]]] = {}
        first = _exact_level(model, "first_name")
        last = _exact_level(model, "last_name")
        if (
            first is None
            or last is None
            or not {"gamma_first_name", "gamma_last_name"} <= set(columns)
        ):
            return
        (self._first_gamma, u_first, _), (self._last_gamma, _, frequencies) = first, last
        if not frequencies:
            return
        exact, *below = level_weights(model, "first_name") or [None]
        near = [w for w in below[:_NEAR_FIRST_LEVELS] if w is not None]
        floor = min(near) - exact if near and exact is not None else -math.inf
        self.columns = "gamma_first_name, gamma_last_name"
        self._sides = {LEFT: {r["unique_id"]: r for r in left}}
        if right is not None:
            self._sides[RIGHT] = {r["unique_id"]: r for r in right}
        surnames: Counter[str] = Counter()
        full: Counter[tuple[str, str]] = Counter()
        for rows in (left, right or []):
            for row in rows:
                if row["last_name"]:
                    surnames[row["last_name"]] += 1
                    if row["first_name"]:
                        full[(row["first_name"], row["last_name"])] += 1
        total_last, total_full = sum(surnames.values()), sum(full.values())
        log_u_first = math.log2(u_first)
        for (name, surname), count in full.items():
            self._delta[(name, surname)] = max(
                log_u_first
                + math.log2(surnames[surname] / total_last)
                - math.log2(count / total_full),
                floor,
            )

    def adjustment(self, source: str, uid: Any, first: Any, last: Any) -> float:
        """What to add to the match weight of a pair (its left record given)."""
        if first != self._first_gamma or last != self._last_gamma:
            return 0.0
        row = self._sides[source][uid]
        return self._delta.get((row["first_name"], row["last_name"]), 0.0)


def level_weights(model: dict[str, Any], name: str) -> list[float | None]:
    """The match weights (log2 m / u) of a comparison's levels, exact agreement first and
    the null level left out; None for a level without both; empty when the model lacks
    the comparison. splink numbers the levels the other way: level ``i`` of ``n`` here is
    gamma ``n - 1 - i``."""
    for comparison in model.get("comparisons", []):
        if comparison.get("output_column_name") != name:
            continue
        weights: list[float | None] = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            known = isinstance(m, float | int) and isinstance(u, float | int) and m > 0 < u
            weights.append(math.log2(m / u) if known else None)
        return weights
    return []


def _exact_level(model: dict[str, Any], name: str) -> tuple[int, float, bool] | None:
    """The comparison's first level (exact agreement): its gamma, u, and whether splink
    adjusts it by term frequency."""
    for comparison in model.get("comparisons", []):
        if comparison.get("output_column_name") != name:
            continue
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        u = levels[0].get("u_probability") if levels else None
        if not isinstance(u, float | int) or u <= 0:
            return None
        return len(levels) - 1, float(u), bool(levels[0].get("tf_adjustment_column"))
    return None


# What corroborates a pair beyond its names and place: these comparisons' agreeing levels.
CORROBORATING = ("phone", "email", "birth", "address")


def corroborating_sql(model: dict[str, Any], columns: Sequence[str]) -> str:
    """SQL true for a pair that agrees on a phone, email, birth date or street address.

    A field agrees at a level whose weight is positive (m above u, as trained): a shared
    phone or a birth date one part off does, birth years a year apart do not. A pair with
    none of these rests on its names and place alone.
    """
    present = set(columns)
    terms = []
    for comparison in model.get("comparisons", []):
        name = comparison.get("output_column_name")
        if name not in CORROBORATING or f"gamma_{name}" not in present:
            continue
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        agreeing = [
            str(len(levels) - 1 - rank)
            for rank, level in enumerate(levels)
            if _positive(level.get("m_probability"), level.get("u_probability"))
        ]
        if agreeing:
            terms.append(f"gamma_{name} IN ({', '.join(agreeing)})")
    return f"({' OR '.join(terms)})" if terms else "false"


def _positive(m: Any, u: Any) -> bool:
    """True when a level with these m and u is evidence for a match."""
    return isinstance(m, float | int) and isinstance(u, float | int) and m > u


# Fields that members of one household share: each says "this household", so for a pair
# that looks like two housemates they are one piece of evidence, not four.
_HOUSEHOLD_FIELDS = (("mw_last_name", "mw_tf_adj_last_name"), ("mw_address",), ("mw_place",),
                     ("mw_phone",))  # fmt: skip
# The first-name levels of housemates: Jaro-Winkler 0.8 (Marc, Marvin) and anything else.
_LOOSE_FIRST = 1
# Fields that housemates do not share: when one agrees, the pair is not two housemates.
_PERSONAL_FIELDS = ("mw_birth", "mw_email")


HOUSEHOLDS = 0.05  # the share of records living with a namesake-in-surname that makes households


def household_share(side: Iterable[dict[str, Any]] | pa.Table, con: Any = None) -> float:
    """The share of records that live with another of their surname, by the file's own rows.

    Two records live together when they share a street address (with the postcode or
    city) or a phone, and the surname; they are two people when their first names differ
    and their birth years differ or one is unknown. A voter file has households (about
    seven records in ten on the generator's); files of independent people, such as
    FEBRL's, have almost none (under one in fifty, their own duplicates excluded), and
    there a disagreeing first name beside an agreeing address is a mangled record, not a
    housemate. Counted in DuckDB (``con``, or a new one) on the side's table of rows.
    """
    table = side if isinstance(side, pa.Table) else arrow_table(list(side))
    if not table.num_rows:
        return 0.0
    con = con if con is not None else duckdb_api().duckdb_con
    con.register(_HOUSEHOLD_ROWS, table)
    try:
        ((living,),) = con.execute(_HOUSEHOLD_SQL).fetchall()
    finally:
        con.unregister(_HOUSEHOLD_ROWS)
    return float(int(living) / table.num_rows)


_HOUSEHOLD_ROWS = "outreach_household_rows"
_HOUSEHOLD_SQL = f"""
WITH members AS (
    SELECT unique_id, first_canonical AS first, birth_year AS year, 'address' AS kind,
           address AS shared, coalesce(zip, city) AS place, last_name AS last
    FROM {_HOUSEHOLD_ROWS} WHERE last_name IS NOT NULL AND address IS NOT NULL
    UNION ALL
    SELECT unique_id, first_canonical, birth_year, 'phone', unnest(phone_keys), NULL, last_name
    FROM {_HOUSEHOLD_ROWS} WHERE last_name IS NOT NULL AND phone_keys IS NOT NULL
)
SELECT count(DISTINCT a.unique_id)
FROM members a JOIN members b
  ON a.kind = b.kind AND a.shared = b.shared AND a.last = b.last
 AND a.place IS NOT DISTINCT FROM b.place AND a.unique_id <> b.unique_id
WHERE a.first IS DISTINCT FROM b.first AND (a.year IS NULL OR b.year IS NULL OR a.year <> b.year)
"""


def household_weight_sql(columns: Sequence[str]) -> str:
    """The pair's match weight, counting household evidence once where first names disagree.

    Used where the files have households (:func:`household_share`).

    splink adds the weights of the fields as if independent. Between two members of one
    household they are not: the surname, street address, postcode and landline agree
    together, and their sum (often 40 bits) outweighs any first-name disagreement, so a
    contact who lives with a voter, or gave the household's landline, looked like that
    voter. When a pair's first names disagree, outright or all but (the first-name
    comparison's two last levels: Marc and Marvin are alike at Jaro-Winkler 0.8, which
    says next to nothing among matches), and nothing personal agrees (the birth date, an
    email), only the largest of those fields' positive weights counts. Nothing is
    forbidden, and a pair whose birth date or email agrees is counted as splink counts
    it: housemates rarely share those, and a record whose first name was mangled often
    does.
    """
    present = set(columns)
    if "gamma_first_name" not in present:
        return "match_weight"
    parts = []
    for group in _HOUSEHOLD_FIELDS:
        if all(c in present for c in group):
            parts.append(f"greatest({' + '.join(group)}, 0)")
        elif group[0] in present:
            parts.append(f"greatest({group[0]}, 0)")
    if len(parts) < 2:
        return "match_weight"
    counted = f"greatest({', '.join(parts)})"
    personal = [f"{c} > 0" for c in _PERSONAL_FIELDS if c in present]
    housemates = f"gamma_first_name <= {_LOOSE_FIRST}" + (
        f" AND NOT ({' OR '.join(personal)})" if personal else ""
    )
    return (
        f"CASE WHEN {housemates} THEN match_weight - ({' + '.join(parts)}) + {counted} "
        "ELSE match_weight END"
    )


def decide_links(
    left_ids: Sequence[str],
    pairs: Sequence[ScoredPair],
    *,
    threshold: float,
    review_floor: float,
    one_to_one: bool = False,
) -> list[LinkDecision]:
    """One decision per left id, in order.

    The chance that a left record is each of its candidates, given that it is at most
    one of them, is that pair's odds over one plus the sum of its pairs' odds: two
    equally good candidates share it and neither links. One-to-one, the surest link is
    made first, its right record is struck from the others' candidates (whose chances
    are then worked out again without it), and so on while a link clears the threshold.
    A left record that does not link keeps for review the candidates that would reach
    ``review_floor`` on their own (``ingest.link_decide.on_its_own``), the likeliest first.
    """
    by_left: dict[str, dict[str, float]] = defaultdict(dict)
    for pair in pairs:
        by_left[pair.left][pair.right] = pair.match_weight
    chances = {left: _chances(candidates) for left, candidates in by_left.items()}
    taken: dict[str, str] = {}
    if one_to_one:
        taken = _one_to_one(by_left, chances, threshold=threshold)
    decisions = []
    for left in left_ids:
        ranked = chances.get(left, [])
        if not ranked:
            decisions.append(LinkDecision(voter_id=None, probability=0.0, method="none"))
            continue
        best, best_p = ranked[0]
        if one_to_one and left in taken:
            best, best_p = taken[left], dict(ranked)[taken[left]]
        if best_p >= threshold and (not one_to_one or left in taken):
            decisions.append(LinkDecision(voter_id=best, probability=best_p, method="splink"))
            continue
        weights = by_left[left]
        review = [(r, p) for r, p in ranked if on_its_own(weights[r]) >= review_floor]
        decisions.append(
            LinkDecision(
                voter_id=None, probability=best_p, method="splink", candidates=review[:REVIEW_LIMIT]
            )
        )
    return decisions


def _chances(candidates: dict[str, float]) -> list[tuple[str, float]]:
    """Each candidate's chance of being the one (at most one is), surest first."""
    odds = {right: 2.0 ** min(weight, 500.0) for right, weight in candidates.items()}
    total = 1.0 + math.fsum(odds.values())
    return sorted(((r, o / total) for r, o in odds.items()), key=lambda i: (-i[1], i[0]))


def _one_to_one(
    by_left: dict[str, dict[str, float]],
    chances: dict[str, list[tuple[str, float]]],
    *,
    threshold: float,
) -> dict[str, str]:
    """Left id -> the right id it links to, each right id at most once (updates chances)."""
    holders: dict[str, set[str]] = defaultdict(set)
    for left, candidates in by_left.items():
        for right in candidates:
            holders[right].add(left)
    heap = [(-ranked[0][1], left, ranked[0][0]) for left, ranked in chances.items() if ranked]
    heapq.heapify(heap)
    taken: dict[str, str] = {}
    used: set[str] = set()
    while heap:
        negative, left, right = heapq.heappop(heap)
        ranked = chances[left]
        if left in taken or not ranked or ranked[0] != (right, -negative):
            continue  # stale entry: this left's candidates changed since it was pushed
        if -negative < threshold:
            break
        taken[left] = right
        used.add(right)
        for other in holders[right] - {left}:
            if other in taken:
                continue
            del by_left[other][right]
            chances[other] = _chances(by_left[other])
            if chances[other]:
                heapq.heappush(heap, (-chances[other][0][1], other, chances[other][0][0]))
    return taken


_STRONG = ("phone_keys", "email_keys", "birth_year", "street_name")


def unique_names_only(
    decisions: Sequence[LinkDecision],
    left: Sequence[dict[str, Any]],
    right: Sequence[dict[str, Any]],
    pairs: Sequence[ScoredPair] = (),
) -> list[LinkDecision]:
    """Links that rest on a name and place alone kept only where that name is unique.

    A link rests on a name and place alone when the left record carries no phone, email,
    birth date or address, or when none of those agrees with the linked record (its pair
    in ``pairs`` is not ``corroborated``: a phone the other file lacks is no evidence).
    Such a link is kept only when no other right record has its full name (canonical
    first name and surname) in its state: the one it gives, or else the one its phones'
    area codes are in, or anywhere when it has neither; otherwise it becomes a review
    candidate. A right record that gives no state may live in any.
    """
    anywhere: Counter[tuple[str | None, str | None]] = Counter()
    stateless: Counter[tuple[str | None, str | None]] = Counter()
    in_state: Counter[tuple[str | None, str | None, str]] = Counter()
    for row in right:
        name = (row["first_canonical"], row["last_name"])
        anywhere[name] += 1
        if row["state"]:
            in_state[(*name, str(row["state"]))] += 1
        else:
            stateless[name] += 1
    bare = {(p.left, p.right) for p in pairs if not p.corroborated}
    resolved = []
    for decision, row in zip(decisions, left, strict=True):
        name_alone = not any(row.get(k) for k in _STRONG)
        uncorroborated = (row["unique_id"], decision.voter_id) in bare
        name, state = (row["first_canonical"], row["last_name"]), _state_of(row)
        namesakes = anywhere[name] if state is None else in_state[(*name, state)] + stateless[name]
        if decision.voter_id is None or not (name_alone or uncorroborated) or namesakes <= 1:
            resolved.append(decision)
            continue
        resolved.append(
            LinkDecision(
                voter_id=None,
                probability=decision.probability,
                method=decision.method,
                candidates=[(decision.voter_id, decision.probability), *decision.candidates],
            )
        )
    return resolved


def _state_of(row: dict[str, Any]) -> str | None:
    """The state a record gives, or else the one state its phones' area codes are in."""
    if row["state"]:
        return str(row["state"])
    states: Sequence[str] = row.get("phone_states") or []
    return str(states[0]) if len(states) == 1 else None


def clusters(
    ids: Sequence[str], pairs: Sequence[ScoredPair], *, threshold: float
) -> dict[str, str]:
    """Record id -> cluster id (its smallest member) over pairs at or above ``threshold``."""
    parent = {i: i for i in ids}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        if pair.probability >= threshold and pair.left in parent and pair.right in parent:
            a, b = root(pair.left), root(pair.right)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {i: root(i) for i in ids}
