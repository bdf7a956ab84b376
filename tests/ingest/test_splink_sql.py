"""splink's prediction SQL replayed: the same pairs and weights as ``predict_between`` itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from splink import Linker

from ingest.link_eval import EvalSet, candidates_for, load_eval
from ingest.splink_model import (
    SCHEMA,
    contact_rows,
    duckdb_api,
    load_model,
    splink_settings,
    voter_rows,
)
from ingest.splink_sql import CompiledPrediction
from outreach.demo.linkage import generate_linkage_eval

COLUMNS = ("unique_id_l", "unique_id_r", "match_weight", "gamma_first_name", "gamma_place")
MIN_WEIGHT = -10.0


@pytest.fixture(scope="module")
def evalset(tmp_path_factory: pytest.TempPathFactory) -> EvalSet:
    paths = generate_linkage_eval(
        tmp_path_factory.mktemp("eval"), seed=5, voters=3_000, contacts=600
    )
    return load_eval(*paths)


@pytest.fixture(scope="module")
def compiled() -> CompiledPrediction:
    return CompiledPrediction(
        load_model(), SCHEMA, threshold_match_weight=MIN_WEIGHT, columns=COLUMNS
    )


def splink_itself(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a fresh splink linker's ``predict_between`` gives, in the replay's order."""
    db = duckdb_api()
    frames = [
        db.register(pa.Table.from_pylist(rows, schema=SCHEMA), table_name=name)
        for rows, name in ((left, "contacts"), (right, "voters"))
    ]
    linker = Linker(frames, splink_settings(load_model()), log_level=None)
    predictions = linker.inference.predict_between(
        frames[0], frames[1], threshold_match_weight=MIN_WEIGHT, warning_mode="never"
    )
    return db.duckdb_con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM {predictions.physical_name} "
        "ORDER BY unique_id_l, match_weight DESC, unique_id_r"
    ).fetchall()


def batch(
    evalset: EvalSet, start: int, size: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts = evalset.contacts[start : start + size]
    left = contact_rows(contacts, secret=evalset.secret)
    return left, voter_rows(candidates_for(contacts, evalset.voters))


def test_replay_scores_exactly_what_splink_scores(
    evalset: EvalSet, compiled: CompiledPrediction
) -> None:
    left, right = batch(evalset, 0, 300)
    expected = splink_itself(left, right)
    got = compiled.score(left, right)
    assert len(expected) > 200  # enough pairs to mean something
    assert [row[:2] for row in got] == [row[:2] for row in expected]
    assert [row[3:] for row in got] == [row[3:] for row in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert mine[2] == pytest.approx(theirs[2], abs=1e-9)


def test_calls_are_independent(evalset: EvalSet, compiled: CompiledPrediction) -> None:
    """Each call sees only its own rows: nothing is left over from the call before."""
    first = batch(evalset, 0, 300)
    second = batch(evalset, 300, 300)
    alone = compiled.score(*second)
    compiled.score(*first)
    assert compiled.score(*second) == alone
    contact_ids = {row["unique_id"] for row in second[0]}
    assert {pair[0] for pair in alone} <= contact_ids


def test_empty_sides_score_nothing(evalset: EvalSet, compiled: CompiledPrediction) -> None:
    left, right = batch(evalset, 0, 50)
    assert compiled.score(left, []) == []
    assert compiled.score([], right) == []
    assert compiled.score(left, right)  # and the compiled SQL still works afterwards


def test_model_file_is_what_gets_compiled(tmp_path: Path, evalset: EvalSet) -> None:
    """A model whose phone agreement is worth nothing scores phone-only pairs lower."""
    model = load_model()
    weak = load_model()
    for comparison in weak["comparisons"]:
        if comparison["output_column_name"] == "phone":
            for level in comparison["comparison_levels"]:
                if "m_probability" in level and "u_probability" in level:
                    level["m_probability"] = level["u_probability"]
    cols = ("unique_id_l", "unique_id_r", "match_weight")
    strong = CompiledPrediction(model, SCHEMA, threshold_match_weight=-50, columns=cols)
    plain = CompiledPrediction(weak, SCHEMA, threshold_match_weight=-50, columns=cols)
    left, right = batch(evalset, 0, 200)
    by_pair = {(a, b): w for a, b, w in strong.score(left, right)}
    lower = [w < by_pair[(a, b)] for a, b, w in plain.score(left, right) if (a, b) in by_pair]
    assert any(lower)
