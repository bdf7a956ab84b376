"""The read-only guard for analyst Cypher: refuse anything that could write, before it runs.

``check_read_only`` tokenizes the query the way the server's lexer does: string
literals, comments and backtick-quoted names are set aside, so ``'SET'`` in a
string, ``// CREATE`` in a comment or a property named ``created`` never trips it.
What is left is checked against three rules:

* no writing or administrative clause (``CREATE``, ``MERGE``, ``SET``, ``DELETE``,
  ``LOAD CSV``, ``CALL { ... } IN TRANSACTIONS``, ``USE``, ``GRANT`` ...), in any case;
* no procedure call (``CALL x.y``) unless the procedure is on ``READ_PROCEDURES``;
* no namespaced function call (``apoc.cypher.run...(...)``) outside the built-in
  temporal, spatial and vector namespaces.

The guard errs towards refusing. Where the lexer and a server could disagree, it
reads more of the text as code (a line comment ends at any line break, block
comments do not nest), and it refuses control and format characters outside
literals. A name that happens to be a refused keyword (a label ``Set``, a variable
``merge``) can be written in backticks; property keys after a dot need nothing.

The guard is the first of three layers: the API also runs the query in a READ
transaction (Neo4j refuses writes there) and always rolls that transaction back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from outreach.core.errors import QueryRefused

TokenKind = Literal["word", "quoted", "param", "number", "literal", "punct"]

# Clauses that write or administer, refused wherever they appear as a bare word:
# the keyword, then the clause as the refusal names it and why.
_WRITES = "changes the graph"
_ADMIN = "is an administrative command"
REFUSED_CLAUSES: Final[dict[str, tuple[str, str]]] = {
    "CREATE": ("CREATE", _WRITES),
    "MERGE": ("MERGE", _WRITES),
    "DELETE": ("DELETE", _WRITES),
    "DETACH": ("DETACH DELETE", _WRITES),
    "SET": ("SET", _WRITES),
    "REMOVE": ("REMOVE", _WRITES),
    "DROP": ("DROP", _WRITES),
    "FOREACH": ("FOREACH", "exists only to write"),
    "LOAD": ("LOAD CSV", "reads files on the server and exists to write"),
    "INSERT": ("INSERT", _WRITES),
    "TRANSACTIONS": ("CALL { ... } IN TRANSACTIONS", "commits batches of writes"),
    "PERIODIC": ("USING PERIODIC COMMIT", "commits batches of writes"),
    "USE": ("USE", "selects another database; queries run on the configured one"),
    "ALTER": ("ALTER", _ADMIN),
    "GRANT": ("GRANT", _ADMIN),
    "REVOKE": ("REVOKE", _ADMIN),
    "DENY": ("DENY", _ADMIN),
    "TERMINATE": ("TERMINATE", _ADMIN),
}

# Administrative verbs that are also common variable names (``start``, ``stop``):
# refused only when followed by one of these objects.
ADMIN_VERBS: Final[frozenset[str]] = frozenset(
    {"START", "STOP", "RENAME", "ENABLE", "DEALLOCATE", "REALLOCATE"}
)
ADMIN_OBJECTS: Final[frozenset[str]] = frozenset(
    {"DATABASE", "DATABASES", "SERVER", "SERVERS", "USER", "USERS", "ROLE", "ROLES",
     "ALIAS", "COMPOSITE"}
)  # fmt: skip

# ``SHOW`` is allowed only for schema listings; ``SHOW TRANSACTIONS`` would reveal
# other users' queries and parameters, ``SHOW USERS`` and the like are for admins.
SHOW_ALLOWED: Final[frozenset[str]] = frozenset(
    {"INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS", "FUNCTION", "FUNCTIONS",
     "PROCEDURE", "PROCEDURES"}
)  # fmt: skip
SHOW_MODIFIERS: Final[frozenset[str]] = frozenset(
    {"ALL", "RANGE", "TEXT", "POINT", "LOOKUP", "FULLTEXT", "VECTOR", "UNIQUE", "UNIQUENESS",
     "NODE", "RELATIONSHIP", "REL", "KEY", "EXIST", "EXISTENCE", "PROPERTY", "TYPE",
     "BUILT", "IN", "USER", "DEFINED"}
)  # fmt: skip

# Read-only procedures analysts may call (compared case-insensitively).
READ_PROCEDURE_NAMES: Final[tuple[str, ...]] = (
    "db.labels",
    "db.relationshipTypes",
    "db.propertyKeys",
    "db.schema.visualization",
    "db.schema.nodeTypeProperties",
    "db.schema.relTypeProperties",
    "dbms.components",
)
READ_PROCEDURES: Final[frozenset[str]] = frozenset(n.lower() for n in READ_PROCEDURE_NAMES)

# Namespaces of built-in functions; every other namespaced function is refused.
FUNCTION_NAMESPACES: Final[frozenset[str]] = frozenset(
    {"date", "datetime", "localdatetime", "localtime", "time", "duration", "point", "vector"}
)
READ_FUNCTIONS: Final[frozenset[str]] = frozenset({"db.namefromelementid"})

_LINE_BREAKS = "\n\r\u2028\u2029\x0b\x0c\x85"
_PATTERNS: Final[list[tuple[str, str]]] = [
    ("space", r"\s+"),
    ("line_comment", rf"//[^{_LINE_BREAKS}]*"),
    ("block_comment", r"/\*.*?\*/"),
    ("string", r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""),
    ("quoted", r"`(?:[^`]|``)*`"),
    ("param", r"\$(?:\w+|`(?:[^`]|``)*`)"),
    ("number", r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?"),
    ("word", r"\w+"),
    ("unterminated", r"/\*|['\"`]"),
    ("punct", r"\.\.|."),
]
_TOKEN = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _PATTERNS), re.DOTALL)
_ALLOWED_CONTROL = frozenset("\t\n\r\x0b\x0c")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


@dataclass(frozen=True)
class Token:
    """One significant token: its kind, its text (quoted names unquoted) and its offset."""

    kind: TokenKind
    text: str
    offset: int

    @property
    def upper(self) -> str:
        """The text upper-cased, for keyword comparison."""
        return self.text.upper()


def tokenize(query: str) -> list[Token]:
    """The query's significant tokens, with literals' content, comments and spaces dropped."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        text = match.group()
        if kind == "space":
            bad = next((c for c in text if _is_bad_char(c)), None)
            if bad is not None:
                raise _refuse(query, match.start(), f"unexpected character U+{ord(bad):04X}")
            continue
        if kind in ("line_comment", "block_comment"):
            continue
        if kind == "unterminated":
            raise _refuse(query, match.start(), "unterminated string, name or comment")
        if kind == "string":
            tokens.append(Token("literal", "''", match.start()))  # the content never matters
            continue
        if kind == "quoted":
            tokens.append(Token("quoted", text[1:-1].replace("``", "`"), match.start()))
            continue
        if kind == "punct" and len(text) == 1 and _is_bad_char(text):
            raise _refuse(query, match.start(), f"unexpected character U+{ord(text):04X}")
        tokens.append(Token(kind, text, match.start()))  # type: ignore[arg-type]
    return tokens


def check_read_only(query: str) -> None:
    """Return if the query only reads; raise ``QueryRefused`` naming the clause otherwise."""
    if not query.strip():
        raise QueryRefused("the query is empty")
    tokens = tokenize(query)
    if not tokens:
        raise QueryRefused("the query holds only comments")
    for i, token in enumerate(tokens):
        if token.kind == "punct" and token.text == ";" and i != len(tokens) - 1:
            reason = "; separates statements: send one statement at a time"
            raise _refuse(query, token.offset, reason, clause=";")
        if token.kind != "word" or _after_dot(tokens, i):
            continue
        word = token.upper
        nxt = tokens[i + 1].upper if i + 1 < len(tokens) else ""
        if word in REFUSED_CLAUSES:
            clause, why = REFUSED_CLAUSES[word]
            raise _refuse(query, token.offset, f"{clause} {why}", clause=clause)
        if word in ADMIN_VERBS and nxt in ADMIN_OBJECTS:
            clause = f"{word} {nxt}"
            raise _refuse(query, token.offset, f"{clause} {_ADMIN}", clause=clause)
        if word == "SHOW":
            _check_show(query, tokens, i)
        elif word == "CALL":
            _check_call(query, tokens, i)
    _check_functions(query, tokens)


def _check_show(query: str, tokens: list[Token], i: int) -> None:
    j = i + 1
    while j < len(tokens) and tokens[j].upper in SHOW_MODIFIERS:
        j += 1
    what = tokens[j].upper if j < len(tokens) else ""
    if what not in SHOW_ALLOWED:
        clause = f"SHOW {what}".strip()
        raise _refuse(
            query,
            tokens[i].offset,
            f"{clause} is not allowed; only SHOW INDEXES, CONSTRAINTS, FUNCTIONS, PROCEDURES",
            clause=clause,
        )


def _check_call(query: str, tokens: list[Token], i: int) -> None:
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None:
        raise _refuse(query, tokens[i].offset, "CALL needs a procedure", clause="CALL")
    if nxt.kind == "punct" and nxt.text in ("{", "("):
        return  # a subquery; its clauses are checked like any others
    name, _ = _dotted_name(tokens, i + 1)
    if name.lower() not in READ_PROCEDURES:
        clause = f"CALL {name}" if name else "CALL"
        allowed = ", ".join(READ_PROCEDURE_NAMES)
        raise _refuse(
            query,
            tokens[i].offset,
            f"{clause} is not on the allow-list of read-only procedures ({allowed})",
            clause=clause,
        )


def _check_functions(query: str, tokens: list[Token]) -> None:
    for i, token in enumerate(tokens):
        if token.kind != "punct" or token.text != "(" or i == 0:
            continue
        name_end = i - 1
        last = tokens[name_end]
        if last.kind not in ("word", "quoted"):
            continue
        start = name_end
        while (
            start >= 2
            and tokens[start - 1].text == "."
            and tokens[start - 2].kind
            in (
                "word",
                "quoted",
            )
        ):
            start -= 2
        if start > 0 and tokens[start - 1].upper == "CALL":
            continue  # a procedure; checked by _check_call
        name = ".".join(t.text for t in tokens[start : name_end + 1 : 2])
        if "." not in name:
            continue
        namespace = name.rsplit(".", 1)[0].lower()
        root = namespace.split(".", 1)[0]
        if root in FUNCTION_NAMESPACES or name.lower() in READ_FUNCTIONS:
            continue
        raise _refuse(
            query,
            tokens[start].offset,
            f"{name}() is not a built-in function; only those may be called",
            clause=f"{name}()",
        )


def _dotted_name(tokens: list[Token], start: int) -> tuple[str, int]:
    parts: list[str] = []
    j = start
    while j < len(tokens) and tokens[j].kind in ("word", "quoted"):
        parts.append(tokens[j].text)
        if (
            j + 2 < len(tokens)
            and tokens[j + 1].text == "."
            and tokens[j + 2].kind
            in (
                "word",
                "quoted",
            )
        ):
            j += 2
            continue
        j += 1
        break
    return ".".join(parts), j


def _after_dot(tokens: list[Token], i: int) -> bool:
    """True for a property key or name segment: a word right after ``x.`` or ``{.``.

    A dot after a number may end a float literal (``1.``), so there the word is
    still read as a possible keyword.
    """
    if i < 2 or tokens[i - 1].text != ".":
        return False
    return tokens[i - 2].kind not in ("number", "literal")


def _is_bad_char(char: str) -> bool:
    return char not in _ALLOWED_CONTROL and unicodedata.category(char) in _BAD_CATEGORIES


def _refuse(query: str, offset: int, reason: str, clause: str | None = None) -> QueryRefused:
    line = query.count("\n", 0, offset) + 1
    column = offset - (query.rfind("\n", 0, offset) + 1) + 1
    extra: dict[str, object] = {"line": line, "column": column}
    if clause:
        extra["clause"] = clause
    return QueryRefused(f"refused at line {line}, column {column}: {reason}", **extra)
