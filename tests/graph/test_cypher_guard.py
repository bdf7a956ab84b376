"""The read-only guard: writes, admin commands and unknown procedures refused; reads pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.db.cypher_guard import REFUSED_CLAUSES, check_read_only, tokenize
from outreach.core.errors import QueryRefused

ALLOWED = [
    "MATCH (n) RETURN n",
    "MATCH (v:Voter) RETURN v.state AS state, count(*) AS n ORDER BY n DESC LIMIT 10",
    # a property, a label and a relationship type that merely contain keywords
    "MATCH (n) RETURN n.created, n.created_at, n.dataset, n.offset, n.merged_at",
    "MATCH (:Supporter)-[r:CREATED_BY]->(u:Upload) RETURN u.reset_count",
    # property keys that are keywords, after a dot or in a map projection
    "MATCH (n) RETURN n.set, n.delete, n.merge, n.create AS c",
    "MATCH (n) RETURN n {.set, .merge, .remove} AS m",
    "MATCH (n) RETURN n.`SET` AS p, n.`create` AS q",
    # keywords inside string literals, either quote, with escapes
    "MATCH (n) WHERE n.name = 'SET x' RETURN n",
    "RETURN 'CREATE (n) // DETACH DELETE' AS s",
    'RETURN "MERGE \\" SET" AS s',
    "RETURN 'it\\'s SET' AS s",
    "RETURN 'line\nCREATE (x)' AS s",
    # keywords inside comments
    "MATCH (n) // CREATE (x)\nRETURN n",
    "MATCH (n) /* SET n.x = 1 */ RETURN n",
    "/* DROP\n INDEX */ MATCH (n) RETURN count(n)",
    # backtick-quoted names, with an escaped backtick
    "MATCH (n:`Set`) RETURN n",
    "RETURN 1 AS `a``b SET`",
    "MATCH (`merge`) RETURN `merge`",
    # parameters named like keywords
    "MATCH (n {id: $set}) RETURN n",
    "MATCH (n) WHERE n.id = $create RETURN n",
    # allowed procedures, with and without parentheses, any case
    "CALL db.labels()",
    "CALL db.labels() YIELD label RETURN label ORDER BY label",
    "CALL db.relationshipTypes",
    "call DB.PROPERTYKEYS() yield propertyKey return propertyKey",
    "CALL db.schema.visualization()",
    "CALL dbms.components() YIELD name, versions RETURN name",
    # read subqueries, including a scoped one
    "CALL { MATCH (n) RETURN n } RETURN n",
    "MATCH (n:Person) CALL { WITH n RETURN n.key AS k } RETURN k",
    "UNWIND range(1, 3) AS i CALL (i) { RETURN i * 2 AS j } RETURN j",
    "MATCH (p:Person) RETURN p.key, EXISTS { MATCH (p)<-[:KNOWS]-() } AS known",
    "MATCH (p:Person) RETURN COUNT { (p)<-[:KNOWS]-() } AS n",
    # built-in functions, namespaced or not
    "RETURN toUpper('x') AS u, date.truncate('month', date()) AS d",
    "RETURN duration.between(date('2026-01-01'), date()) AS d, datetime.fromepoch(0, 0) AS t",
    "RETURN point.distance(point({x: 0, y: 0}), point({x: 3, y: 4})) AS d",
    # variables that are admin verbs in other contexts
    "MATCH (start:Supporter)-[:KNOWS]->(stop:Person) RETURN start, stop",
    # numbers, ranges, paths, regular expressions
    "RETURN 1.5 AS x, .5 AS y, 1e3 AS z, 0x1F AS h, [1, 2, 3][0..2] AS l",
    "MATCH p = (a)-[*1..3]->(b) RETURN p LIMIT 5",
    "MATCH (n) WHERE n.key =~ '.*SET.*' RETURN count(*)",
    # schema listings, EXPLAIN and PROFILE
    "SHOW INDEXES",
    "SHOW RANGE INDEXES YIELD name RETURN name",
    "show constraints",
    "SHOW PROCEDURES",
    "EXPLAIN MATCH (n) RETURN n",
    "PROFILE MATCH (n) RETURN count(n)",
    # one statement with a trailing semicolon
    "RETURN 1;",
    "RETURN 1 ; // done",
    # unicode in literals is fine
    "RETURN 'caf\u00e9 \u200b' AS s",
]

REFUSED = [
    ("CREATE (n:Supporter {id: 'x'})", "CREATE"),
    ("match (n) merge (m:X {id: 1})", "MERGE"),
    ("MaTcH (n) SeT n.x = 1", "SET"),
    ("MATCH (n) DELETE n", "DELETE"),
    ("MATCH (n) DETACH DELETE n", "DETACH DELETE"),
    ("MATCH (n) NODETACH DELETE n", "DELETE"),
    ("MATCH (n) REMOVE n.x", "REMOVE"),
    ("MATCH (n) REMOVE n:Person", "REMOVE"),
    ("DROP INDEX voter_state", "DROP"),
    ("DROP CONSTRAINT person_key IF EXISTS", "DROP"),
    ("CREATE INDEX x IF NOT EXISTS FOR (n:X) ON (n.y)", "CREATE"),
    ("MATCH (n) FOREACH (x IN [1] | SET n.a = x)", "FOREACH"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", "LOAD CSV"),
    ("load csv with headers from 'http://x' as r return r", "LOAD CSV"),
    ("INSERT (:X {a: 1})", "INSERT"),
    (
        "CALL { MATCH (n) RETURN n } IN TRANSACTIONS OF 10 ROWS RETURN n",
        "CALL { ... } IN TRANSACTIONS",
    ),
    ("CALL { RETURN 1 AS x } IN CONCURRENT TRANSACTIONS RETURN x", "CALL { ... } IN TRANSACTIONS"),
    ("USING PERIODIC COMMIT 10 LOAD CSV FROM 'x' AS r RETURN r", "USING PERIODIC COMMIT"),
    ("USE system SHOW USERS", "USE"),
    ("USE other MATCH (n) RETURN n", "USE"),
    ("MATCH (n) CALL { USE other MATCH (m) RETURN m } RETURN n", "USE"),
    ("ALTER USER bob SET PASSWORD 'x'", "ALTER"),
    ("GRANT ROLE admin TO bob", "GRANT"),
    ("REVOKE ROLE admin FROM bob", "REVOKE"),
    ("DENY READ {*} ON GRAPH * TO bob", "DENY"),
    ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "TERMINATE"),
    ("START DATABASE other", "START DATABASE"),
    ("stop database other", "STOP DATABASE"),
    ("RENAME USER bob TO alice", "RENAME USER"),
    ("ENABLE SERVER 'abc'", "ENABLE SERVER"),
    ("SHOW TRANSACTIONS", "SHOW TRANSACTIONS"),
    ("SHOW USERS", "SHOW USERS"),
    ("SHOW SETTINGS", "SHOW SETTINGS"),
    ("SHOW", "SHOW"),
    # procedures: anything off the allow-list, however it is spelled
    ("CALL apoc.create.node(['X'], {a: 1})", "CALL apoc.create.node"),
    ("CALL apoc.cypher.doIt('CREATE (n)', {})", "CALL apoc.cypher.doIt"),
    ("CALL `apoc`.`create`.`node`(['X'], {})", "CALL apoc.create.node"),
    (
        "CALL `apoc.periodic.iterate`('MATCH (n) RETURN n', 'SET n.x = 1', {})",
        "CALL apoc.periodic.iterate",
    ),
    ("CALL db.createLabel('X')", "CALL db.createLabel"),
    ("CALL dbms.killQuery('q-1')", "CALL dbms.killQuery"),
    (
        "CALL db.index.fulltext.queryNodes('names', 'x') YIELD node RETURN node",
        "CALL db.index.fulltext.queryNodes",
    ),
    (
        "MATCH (n) CALL db.labels() YIELD label CALL gds.graph.drop('g') YIELD graphName RETURN 1",
        "CALL gds.graph.drop",
    ),
    ("CALL $proc", "CALL"),
    ("CALL", "CALL"),
    # functions outside the built-in namespaces can run Cypher of their own
    (
        "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {}) AS x",
        "apoc.cypher.runFirstColumnSingle()",
    ),
    ("RETURN `apoc.cypher.runFirstColumnMany`('x', {}) AS x", "apoc.cypher.runFirstColumnMany()"),
    ("RETURN custom.fn ( 1 ) AS x", "custom.fn()"),
    # comments and strings that do not hide what follows them
    ("MATCH (n) RETURN n /* \n */ SET n.x = 1", "SET"),
    ("MATCH (n) // comment\nSET n.x = 1", "SET"),
    ("RETURN 1 // a comment ends at any line break\u2028CREATE (n)", "CREATE"),
    ("RETURN 1 // ends at a carriage return\rCREATE (n)", "CREATE"),
    ("RETURN 'a' + \"b\" AS s CREATE (n)", "CREATE"),
    ("RETURN 'it\\'s' AS s MERGE (n:X)", "MERGE"),
    ("RETURN `a``b` AS s SET s.x = 1", "SET"),
    # a dot after a number may end a float, so the next word is still a keyword
    ("RETURN 1. SET", "SET"),
    # keywords used as names must be quoted
    ("MATCH (n:Set) RETURN n", "SET"),
    ("MATCH ()-[r:MERGE]->() RETURN r", "MERGE"),
    ("WITH 1 AS create RETURN create", "CREATE"),
    # several statements
    ("RETURN 1; CREATE (n)", ";"),
    ("RETURN 1; MATCH (n) RETURN n", ";"),
]


@pytest.mark.parametrize("query", ALLOWED)
def test_read_queries_pass(query: str) -> None:
    check_read_only(query)


@pytest.mark.parametrize(("query", "clause"), REFUSED)
def test_writes_and_admin_are_refused_naming_the_clause(query: str, clause: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_read_only(query)
    assert info.value.status == 400
    assert info.value.extra.get("clause") == clause
    assert clause in str(info.value)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   \n ",
        "// only a comment",
        "/* only a comment */",
        "RETURN 'unterminated",
        'RETURN "unterminated',
        "RETURN `unterminated",
        "MATCH (n) RETURN n /* unterminated",
        "RETURN 1 AS x\u200b",  # a zero-width space outside a literal
        "RETURN 1 AS\x1cx",  # a control character
        "MATCH (n)\u00adSET n.x = 1",  # a soft hyphen
        "RETURN 1 AS x\ufeff",
    ],
)
def test_malformed_or_hidden_text_is_refused(query: str) -> None:
    with pytest.raises(QueryRefused):
        check_read_only(query)


def test_the_refusal_says_where() -> None:
    with pytest.raises(QueryRefused) as info:
        check_read_only("MATCH (n)\n  WHERE n.x = 1\n  set n.y = 2")
    assert info.value.extra == {"line": 3, "column": 3, "clause": "SET"}
    assert str(info.value).startswith("refused at line 3, column 3: SET")


def test_the_refusal_lists_the_allowed_procedures() -> None:
    with pytest.raises(QueryRefused) as info:
        check_read_only("CALL apoc.meta.schema()")
    assert "db.labels" in str(info.value)
    assert "db.schema.visualization" in str(info.value)


def test_tokens_drop_literals_comments_and_unquote_names() -> None:
    tokens = tokenize("MATCH (n:`My ``Label`) // SET\nWHERE n.a = 'CREATE' RETURN $p")
    kinds = [(t.kind, t.text) for t in tokens]
    assert ("quoted", "My `Label") in kinds
    assert ("literal", "''") in kinds
    assert ("param", "$p") in kinds
    assert all(t.text.upper() not in ("SET", "CREATE") for t in tokens)


def test_every_refused_keyword_is_caught_in_any_case() -> None:
    for keyword in REFUSED_CLAUSES:
        for spelled in (keyword, keyword.lower(), keyword.capitalize()):
            with pytest.raises(QueryRefused):
                check_read_only(f"MATCH (n) {spelled} n")


WORDS = st.sampled_from([*REFUSED_CLAUSES, "MATCH", "RETURN", "n", "x", "(", ")", ".", "{", "}"])


@given(st.lists(WORDS, min_size=1, max_size=8), st.text(max_size=20))
def test_keywords_inside_literals_and_comments_never_matter(words: list[str], noise: str) -> None:
    body = " ".join(words)
    escaped = body.replace("\\", "\\\\").replace("'", "\\'")
    comment_safe = noise.replace("*", "").replace("/", "")
    check_read_only(f"RETURN '{escaped}' AS s /* {body} {comment_safe} */")
    check_read_only(f"RETURN 1 AS `{body.replace('`', '``')}`")
