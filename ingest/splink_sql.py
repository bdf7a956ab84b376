"""splink's prediction SQL, generated once and replayed for every upload.

``Linker.inference.predict_between`` builds its SQL afresh on each call: it parses every
column name with sqlglot, asks DuckDB for each table's columns several times and runs
about forty statements, which costs some 170 ms whatever the size of the input. For a
worker linking one small upload after another that fixed cost dominated.

The SQL itself depends only on the model and the table layout, not on the rows. So
:class:`CompiledPrediction` lets splink predict once between two empty tables named
``contacts`` and ``voters``, records the statements that produce data (each a ``CREATE
TABLE ... AS``: exploded ids for the array blocking rules, the blocked pairs, the scored
pairs), and runs just those on each call as one query whose steps are materialized
common table expressions. The scores are splink's own: ``tests/ingest/test_splink_sql.py``
checks the replay against ``predict_between`` itself, so a splink upgrade that changes
the SQL's shape fails there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker

from ingest.splink_model import splink_settings

_CREATE = re.compile(r"\s*CREATE TABLE (?P<name>\S+) AS\b(?P<body>.*)\Z", re.DOTALL)
TABLES = ("contacts", "voters")


class _RecordingDuckDBAPI(DuckDBAPI):
    """splink's DuckDB backend, keeping the SQL it runs while ``recording`` is a list."""

    recording: list[str] | None = None

    def _execute_sql_against_backend(self, final_sql: str) -> Any:
        if self.recording is not None:
            self.recording.append(final_sql)
        return super()._execute_sql_against_backend(final_sql)


@dataclass(frozen=True, slots=True)
class _Statement:
    table: str
    body: str


class CompiledPrediction:
    """Score contacts against voters with a trained splink model, by replaying its SQL.

    ``columns`` are the columns ``score`` returns from splink's predictions, in order
    (for example ``unique_id_l``, ``unique_id_r``, ``match_weight``). Not thread-safe:
    callers serialise.
    """

    def __init__(
        self,
        settings: dict[str, Any],
        schema: pa.Schema,
        *,
        threshold_match_weight: float,
        columns: tuple[str, ...],
    ) -> None:
        self._db = _RecordingDuckDBAPI()
        self._con = self._db.duckdb_con
        self._con.execute("SET enable_progress_bar = false")
        # One upload's pairs are few: a single thread is faster than coordinating several,
        # and leaves the other cores to the graph server and other workers.
        self._con.execute("SET threads = 1")
        self._schema = schema
        self._columns = columns
        empty = pa.Table.from_pylist([], schema=schema)
        frames = [self._db.register(empty, table_name=name) for name in TABLES]
        linker = Linker(frames, splink_settings(settings), log_level=None)
        self._db.recording = []
        predictions = linker.inference.predict_between(
            frames[0], frames[1], threshold_match_weight=threshold_match_weight,
            warning_mode="never",
        )  # fmt: skip
        recorded, self._db.recording = self._db.recording, None
        predictions.drop_table_from_database_and_remove_from_cache()
        self._statements = _data_statements(recorded)
        if not self._statements or self._statements[-1].table != predictions.physical_name:
            raise RuntimeError("splink's prediction SQL did not end in the predictions table")
        for name in TABLES:
            self._con.unregister(name)
        self._query = _one_query(self._statements, columns)

    def score(
        self, left: list[dict[str, Any]], right: list[dict[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """Scored pairs of ``left`` (contacts) and ``right`` (voters) rows: ``columns`` each.

        Ordered by left id, then match weight from the highest, then right id.
        """
        if not left or not right:
            return []
        for name, rows in zip(TABLES, (left, right), strict=True):
            self._con.register(name, pa.Table.from_pylist(rows, schema=self._schema))
        try:
            return self._con.execute(self._query).fetchall()
        finally:
            for name in TABLES:
                self._con.unregister(name)


def _one_query(statements: list[_Statement], columns: tuple[str, ...]) -> str:
    """The statements as one query: each table a materialized CTE, then the wanted columns.

    One statement is planned once and keeps its intermediate results in memory, which is
    about a third faster than creating and dropping a table per step.
    """
    steps = ", ".join(f"{s.table} AS MATERIALIZED ({s.body})" for s in statements)
    return (
        f"WITH {steps} SELECT {', '.join(columns)} FROM {statements[-1].table} "
        "ORDER BY unique_id_l, match_weight DESC, unique_id_r"
    )


def _data_statements(recorded: list[str]) -> list[_Statement]:
    """The ``CREATE TABLE ... AS`` statements among those splink ran, in order."""
    statements = []
    for sql in recorded:
        found = _CREATE.match(sql)
        if found:
            statements.append(_Statement(table=found["name"], body=found["body"]))
    return statements
