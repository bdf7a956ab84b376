"""Matcher: full re-rank time at three graph sizes, split by stage, against the read alone.

The graph is the seeded synthetic friend graph of ``bench.synthetic`` grown in steps to
about 10k, 100k and 1M ``KNOWS`` edges to matched friends (``--scale small``: 10k, 30k,
100k). At each size, in the same rounds:

* **read alone**: ``graph.ranking.read_pairs`` for every supporter and the target
  geographies, as the matcher asks for them: the baseline;
* **re-rank**: ``outreach.usecases.rerank.rank`` for everyone, split into read (pairs, reciprocal
  pairs, partitions, settings), score (graph rows to features, ``score_pairs``), assign
  (``outreach.matching.assign.assign``), write (``replace_rankings``, ``mark_holdout``) and the rest
  (Python glue between them), by wrapping the names ``outreach.usecases.rerank`` looks up.

Printed: the split per size, score+assign against the read alone (goal: at most 1x), and
the exponent of time against size fitted by least squares on log-log axes (goal: near 1).

Then, at each size, the re-rank an upload triggers (``rank(supporter_ids=[uploader])``)
for seeded random supporters: how many supporters it covers (the uploader and those
assigned one of their friends) against the wider rule of everyone who knows one of the
same friends, and its time, p50 and p95, as a ratio of the full re-rank's.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import (
    BenchEnv,
    Graph,
    Report,
    Stages,
    console,
    count_driver_retries,
    fmt_int,
    fmt_ratio,
    fmt_s,
    graph_server,
    loglog_fit,
    median,
    patched,
    process_cpu_seconds,
    ratio,
    timed_stages,
)
from bench.synthetic import FriendGraph

SIZES = {"small": (10_000, 30_000, 100_000), "full": (10_000, 100_000, 1_000_000)}
ROUNDS_UP_TO_100K = 3
ROUNDS_ABOVE = 2
READ_BATCH = 500  # supporters per READ_PAIRS call, read_pairs' default

STAGE_OF = {
    "current_settings": "read",
    "partition_scope": "read",
    "list_supporter_ids": "read",
    "read_pairs": "read pairs",
    "read_reciprocal": "read",
    "read_taken": "read",
    "read_competitors": "read",
    "read_unmatched": "read",
    "states_on_file": "read",
    "features": "score",
    "score_pairs": "score",
    "assign": "assign",
    "replace_rankings": "write",
    "mark_holdout": "write",
}


def read_alone(graph: Graph, supporter_ids: list[str]) -> dict[str, float]:
    """Seconds to read every supporter's scoreable pairs, how many, and the CPU it took.

    CPU is counted on both sides: this process (the driver decoding the rows) and the
    graph server.
    """
    from neo4j import RoutingControl

    from graph.config_store import current_settings
    from graph.ranking import READ_PAIRS, read_pairs
    from outreach.core.settings import get_settings

    _, settings = current_settings(graph.driver)
    geos = [g for g in settings.targets if settings.weights.get(g, 0) > 0]
    own0, server0 = process_cpu_seconds(), graph.server_cpu_seconds()
    t0 = time.perf_counter()
    rows = read_pairs(graph.driver, supporter_ids=supporter_ids, geos=geos)
    took = time.perf_counter() - t0
    out = {
        "seconds": took,
        "pairs": len(rows),
        "client_cpu": process_cpu_seconds() - own0,
        "server_cpu": graph.server_cpu_seconds() - server0,
    }
    del rows
    # The same query and batches through the bare driver, records kept as it returns them.
    database = get_settings().graph_database
    t0 = time.perf_counter()
    records = []
    for start in range(0, len(supporter_ids), READ_BATCH):
        found, _, _ = graph.driver.execute_query(
            READ_PAIRS,
            {"ids": supporter_ids[start : start + READ_BATCH], "geos": geos},
            database_=database,
            routing_=RoutingControl.READ,
        )
        records.extend(found)
    out["bare_seconds"] = time.perf_counter() - t0
    return out


def timed_rank(driver: Any) -> dict[str, Any]:
    """One full re-rank, timed by stage."""
    import outreach.usecases.rerank as matcher

    stages = Stages()
    with patched(matcher, timed_stages(matcher, stages, STAGE_OF)):
        t0 = time.perf_counter()
        result = matcher.rank(driver)
        total = time.perf_counter() - t0
    seconds = dict(stages.seconds)
    split = {
        "read": seconds.get("read", 0.0) + seconds.get("read pairs", 0.0),
        "read pairs": seconds.get("read pairs", 0.0),
        "score": seconds.get("score", 0.0),
        "assign": seconds.get("assign", 0.0),
        "write": seconds.get("write", 0.0),
    }
    split["other"] = total - sum(split[k] for k in ("read", "score", "assign", "write"))
    return {"total": total, "split": split, "counts": dict(result.counts)}


def run(env: BenchEnv, scale: str, report: Report) -> None:
    """Grow the graph size by size; at each, read alone and re-rank in alternating rounds."""
    from graph.contacts import graph_counts
    from graph.db.schema import init_schema
    from outreach.core.settings import get_settings

    batch = get_settings().graph_write_batch
    retries = count_driver_retries()
    results: list[dict[str, Any]] = []
    with graph_server(env) as graph:
        driver = graph.driver
        init_schema(driver)
        friends = FriendGraph()
        for size in SIZES[scale]:
            t0 = time.perf_counter()
            added = friends.grow_to(driver, size, batch=batch)
            build_s = time.perf_counter() - t0
            counts = graph_counts(driver)
            console.print(
                f"graph grown to {fmt_int(counts['knows'])} KNOWS edges, "
                f"{fmt_int(counts['supporters'])} supporters, {fmt_int(counts['persons'])} "
                f"friends in {build_s:.0f}s ({fmt_int(added['edges_added'] / build_s)} edges/s)"
            )
            retries_before = retries.count
            rounds = ROUNDS_UP_TO_100K if size <= 100_000 else ROUNDS_ABOVE
            reads: list[dict[str, float]] = []
            ranks: list[dict[str, Any]] = []
            for _ in range(rounds):
                reads.append(read_alone(graph, list(friends.supporters)))
                ranks.append(timed_rank(driver))
                console.print(
                    f"  read alone {reads[-1]['seconds']:.2f}s, re-rank "
                    f"{ranks[-1]['total']:.2f}s ({fmt_int(reads[-1]['pairs'])} pairs)"
                )
            ranks.sort(key=lambda r: r["total"])
            after_upload = upload_reranks(driver, list(friends.supporters))
            results.append(
                {
                    "edges": int(counts["knows"]),
                    "supporters": int(counts["supporters"]),
                    "pairs": int(reads[-1]["pairs"]),
                    "read_alone": median([r["seconds"] for r in reads]),
                    "read_client_cpu": median([r["client_cpu"] for r in reads]),
                    "read_server_cpu": median([r["server_cpu"] for r in reads]),
                    "read_bare": median([r["bare_seconds"] for r in reads]),
                    "rank": ranks[len(ranks) // 2],
                    "rounds": rounds,
                    "build_s": build_s,
                    "edges_added": added["edges_added"],
                    "retries": retries.count - retries_before,
                    "upload": after_upload,
                }
            )
    _print(report, scale, results)
    _print_uploads(report, results)


UPLOAD_SAMPLES = 12


def upload_reranks(driver: Any, supporters: list[str]) -> dict[str, Any]:
    """The re-rank after an upload for seeded random supporters: scope sizes and seconds."""
    import random

    import outreach.usecases.rerank as matcher
    from graph.ranking import read_co_knowers, read_competitors

    rng = random.Random(2026)
    sample = rng.sample(sorted(supporters), min(UPLOAD_SAMPLES, len(supporters)))
    scopes, wider, seconds = [], [], []
    for sid in sample:
        scopes.append(1 + len(read_competitors(driver, supporter_ids=[sid])))
        wider.append(1 + len(read_co_knowers(driver, supporter_ids=[sid])))
        t0 = time.perf_counter()
        matcher.rank(driver, supporter_ids=[sid])
        seconds.append(time.perf_counter() - t0)
    return {"scope": scopes, "wider": wider, "seconds": seconds, "supporters": len(supporters)}


def _print_uploads(report: Report, results: list[dict[str, Any]]) -> None:
    from bench.common import percentile

    rows = []
    for r in results:
        u = r["upload"]
        full = r["rank"]["total"]
        rows.append(
            [
                fmt_int(r["edges"]),
                fmt_int(u["supporters"]),
                f"{median(u['scope']):.0f}",
                f"{median(u['wider']):.0f}",
                fmt_ratio(ratio(median(u["scope"]), median(u["wider"]))),
                fmt_ratio(ratio(percentile(u["seconds"], 50), full)),
                fmt_ratio(ratio(percentile(u["seconds"], 95), full)),
            ]
        )
    report.table(
        "Re-rank after an upload (one supporter and those their friends can move)",
        ["KNOWS edges", "supporters", "scope, median", "wider rule, median",
         "scope / wider", "p50 / full re-rank", "p95 / full re-rank"],
        rows,
        notes=[
            f"{UPLOAD_SAMPLES} seeded random supporters per size, each re-ranked as after an "
            "upload, on the graph the full re-rank left; the wider rule is everyone who knows "
            "one of the same friends (graph.ranking.read_co_knowers). Excludes the queue.",
        ],
    )  # fmt: skip


def _print(report: Report, scale: str, results: list[dict[str, Any]]) -> None:
    report.heading(f"Matcher re-rank ({scale})")
    rows = []
    for r in results:
        s = r["rank"]["split"]
        rows.append(
            [
                fmt_int(r["edges"]),
                fmt_int(r["supporters"]),
                fmt_int(r["pairs"]),
                fmt_int(r["rank"]["counts"].get("assigned", 0)),
                fmt_s(s["read"]),
                fmt_s(s["read pairs"]),
                fmt_s(s["score"]),
                fmt_s(s["assign"]),
                fmt_s(s["write"]),
                fmt_s(s["other"]),
                fmt_s(r["rank"]["total"]),
                fmt_s(r["read_alone"]),
                fmt_ratio(ratio(s["score"] + s["assign"], r["read_alone"])),
                fmt_ratio(ratio(r["rank"]["total"], r["read_alone"])),
            ]
        )
    report.table(
        "Full re-rank, seconds by stage",
        ["KNOWS edges", "supporters", "pairs", "assigned", "read", "of which pairs", "score",
         "assign", "write", "other", "re-rank", "read alone", "(score+assign) / read alone",
         "re-rank / read alone"],
        rows,
        notes=[
            "read alone: graph.ranking.read_pairs for every supporter, timed in the same rounds. "
            "Each size: the median of "
            + ", ".join(f"{r['rounds']}" for r in results)
            + " rounds (by size, smallest first).",
            "read: pairs, reciprocal pairs, partitions and settings; score: graph rows to "
            "features and score_pairs; other: Python between the stages.",
            "Goal: score+assign no more than the read alone (at most 1.00x).",
            "Graph built through graph.voters, graph.supporters and graph.contacts.write_friends "
            "at "
            + ", ".join(f"{fmt_int(r['edges_added'] / r['build_s'])}" for r in results)
            + " edges/s; transient conflicts retried by the driver while ranking: "
            + ", ".join(str(r["retries"]) for r in results)
            + ".",
        ],
    )  # fmt: skip
    edges = [r["edges"] for r in results]
    fits = []
    series = {
        "re-rank": [r["rank"]["total"] for r in results],
        "read": [r["rank"]["split"]["read"] for r in results],
        "read: reciprocal etc.": [
            max(r["rank"]["split"]["read"] - r["rank"]["split"]["read pairs"], 1e-6)
            for r in results
        ],
        "score": [r["rank"]["split"]["score"] for r in results],
        "assign": [r["rank"]["split"]["assign"] for r in results],
        "write": [r["rank"]["split"]["write"] for r in results],
        "other": [max(r["rank"]["split"]["other"], 1e-6) for r in results],
        "read alone": [r["read_alone"] for r in results],
    }
    for name, ys in series.items():
        slope, r2 = loglog_fit(edges, ys)
        per_edge = [1e6 * y / e for y, e in zip(ys, edges, strict=True)]
        fits.append(
            [name, f"{slope:.2f}", f"{r2:.3f}"]
            + [f"{p:.1f}" for p in per_edge]
            + [fmt_ratio(ratio(per_edge[-1], per_edge[0]))]
        )
    report.table(
        "Time against size: fitted exponent (log-log least squares) and microseconds per edge",
        ["series", "exponent", "R^2"]
        + [f"us/edge at {fmt_int(e)}" for e in edges]
        + ["largest x smallest"],
        fits,
        notes=["Goal: near-linear, an exponent near 1.00 (constant microseconds per edge)."],
    )
    report.table(
        "Read alone: where its time goes",
        ["KNOWS edges", "pairs", "read_pairs s", "bench process CPU s", "graph server CPU s",
         "bench CPU / wall", "server CPU / wall", "us of bench CPU per pair",
         "bare driver s", "read_pairs / bare"],
        [
            [fmt_int(r["edges"]), fmt_int(r["pairs"]), fmt_s(r["read_alone"]),
             fmt_s(r["read_client_cpu"]), fmt_s(r["read_server_cpu"]),
             fmt_ratio(ratio(r["read_client_cpu"], r["read_alone"])),
             fmt_ratio(ratio(r["read_server_cpu"], r["read_alone"])),
             f"{1e6 * ratio(r['read_client_cpu'], r['pairs']):.1f}", fmt_s(r["read_bare"]),
             fmt_ratio(ratio(r["read_alone"], r["read_bare"]))]
            for r in results
        ],
        notes=["CPU seconds while read_pairs ran: the bench process runs the driver that "
               "decodes the rows; the machine has 2 cores.",
               "bare driver: the same READ_PAIRS query and batches through execute_query, "
               "records kept as the driver returns them (graph.db.run.read turns each into a "
               "plain dict)."],
    )  # fmt: skip
