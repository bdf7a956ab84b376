"""API: the targets list under 32 concurrent clients against the bare driver; an outcome burst.

On the synthetic friend graph of ``bench.synthetic`` (100k ``KNOWS`` edges; with
``--scale full``: 1M), ranked by ``graph.matcher.rank``, the real app runs under uvicorn in a
child process (one worker, as ``outreach api`` runs it; ``OUTREACH_BENCH_API_WORKERS``
changes that) and is called over loopback.

* **Reads**: ``GET /supporters/{id}/targets`` from 32 threads, each with its own
  keep-alive httpx client, for seeded random supporters with a list. Baseline, in the
  same rounds: the bare driver from 32 threads running the same read
  (``READ_TARGETS`` + ``COUNT_TARGETS``, same parameters). Rounds alternate the two,
  after a warm-up of each; each series is bounded by a request count and a time limit.
  CPU per request is taken for the graph server, the API process and the clients. Then
  each with one client at a time, for the latency without queueing.
* **Outcome burst**: at least 10,000 ``POST /supporters/{id}/outcomes`` with
  ``outcome: asked`` from 32 threads, for friends taken from the supporters' lists, each
  with its own ``client_id``; one in fifty is sent twice to check retries are answered as
  duplicates. Baseline: the bare driver running the route's transaction (the idempotency
  check and the ``CREATE``) from 32 threads. Then the ``ASKED`` edges are counted and
  their ids compared with the ids the API accepted: none may be missing or doubled.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.common import (
    BenchEnv,
    Graph,
    Report,
    console,
    count_driver_retries,
    fmt_int,
    fmt_ms,
    fmt_ratio,
    free_port,
    graph_server,
    percentile,
    process_cpu_seconds,
    ratio,
)
from bench.synthetic import FriendGraph

CONCURRENCY = 32
ROUNDS = 3
SINGLE_CLIENT_REQUESTS = 300


@dataclass(frozen=True)
class Scale:
    """Sizes of one scale."""

    edges: int
    reads: int  # requests per series, over all rounds
    burst: int  # outcome writes through the API
    bare_writes: int  # outcome writes through the bare driver
    series_seconds: float  # time limit of one series in one round


SCALES = {
    "small": Scale(edges=100_000, reads=3_000, burst=10_000, bare_writes=3_000,
                   series_seconds=60),
    "full": Scale(edges=1_000_000, reads=6_000, burst=20_000, bare_writes=6_000,
                  series_seconds=120),
}  # fmt: skip

# Bench-only Cypher: the product has no query over every supporter's outcomes at once.
BENCH_COUNT_ASKED = "MATCH (:Supporter)-[a:ASKED]->(:Person) RETURN count(a) AS n"
BENCH_ASKED_IDS = "MATCH (:Supporter)-[a:ASKED]->(:Person) RETURN a.id AS id"
BENCH_RANKED_SUPPORTERS = (
    "MATCH (s:Supporter)-[:SHOULD_ASK]->(:Person) RETURN DISTINCT s.id AS id ORDER BY id"
)


# --------------------------------------------------------------------------- load


@dataclass
class Series:
    """Latencies and failures of one kind of call."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    graph_cpu: float = 0.0  # CPU seconds of the graph server while the series ran
    api_cpu: float = 0.0  # CPU seconds of the API process while the series ran
    client_cpu: float = 0.0  # CPU seconds of this process (the clients) while the series ran

    def add(self, other: Series) -> None:
        """Merge another round of the same series."""
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        self.wall += other.wall
        self.graph_cpu += other.graph_cpu
        self.api_cpu += other.api_cpu
        self.client_cpu += other.client_cpu
        self.error_samples.extend(other.error_samples[: 3 - len(self.error_samples)])

    @property
    def calls(self) -> int:
        """Calls made, failed ones included."""
        return len(self.latencies) + self.errors

    def p(self, q: float) -> float:
        """The q-th percentile latency in seconds."""
        return percentile(self.latencies, q)

    @property
    def rate(self) -> float:
        """Successful calls per second of wall time."""
        return len(self.latencies) / self.wall if self.wall else 0.0


def hammer(
    name: str,
    items: Sequence[Any],
    make_call: Callable[[], Callable[[Any], bool]],
    *,
    threads: int = CONCURRENCY,
    max_seconds: float,
) -> Series:
    """Call ``call(item)`` for each item from ``threads`` threads, until done or out of time.

    ``make_call`` runs once per thread (its own HTTP client, say); the call returns
    whether it succeeded. Exceptions count as errors.
    """
    series = Series(name)
    lock = threading.Lock()
    feed = iter(items)
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        call = make_call()
        while time.perf_counter() < deadline:
            with lock:
                item = next(feed, None)
            if item is None:
                return
            t0 = time.perf_counter()
            try:
                ok = call(item)
            except Exception as exc:  # every failure is counted, none stops the run
                ok = False
                with lock:
                    if len(series.error_samples) < 3:
                        series.error_samples.append(f"{type(exc).__name__}: {exc}"[:200])
            took = time.perf_counter() - t0
            with lock:
                if ok:
                    series.latencies.append(took)
                else:
                    series.errors += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    series.wall = time.perf_counter() - t0
    return series


# --------------------------------------------------------------------------- the API process


class ApiProcess:
    """uvicorn serving ``api.app:app`` in a child process, on a free loopback port."""

    def __init__(self, env: BenchEnv, workers: int) -> None:
        self.port = free_port(18490)
        self.workers = workers
        self.log = env.root / "api.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the API's processes."""
        if self.process is None:
            return 0.0
        root = psutil.Process(self.process.pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def retries_logged(self) -> int:
        """How many driver retries the API process has logged."""
        if not self.log.exists():
            return 0
        return self.log.read_text(encoding="utf-8", errors="replace").count("will be retried")

    @property
    def base_url(self) -> str:
        """Where the API answers."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ApiProcess:
        command = [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers),
                   "--log-level", "warning", "--no-access-log"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=Path(__file__).resolve().parent.parent,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the API exited with {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the API did not answer in 120s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --------------------------------------------------------------------------- the suite


def run(env: BenchEnv, scale_name: str, report: Report) -> None:
    """Build and rank the graph, then measure reads and the outcome burst."""
    from graph.db.run import read
    from graph.db.schema import init_schema
    from outreach.core.settings import get_settings
    from outreach.usecases.rerank import rank

    scale = SCALES[scale_name]
    settings = get_settings()
    workers = int(os.environ.get("OUTREACH_BENCH_API_WORKERS", "1"))
    retries = count_driver_retries()
    with graph_server(env) as graph:
        driver = graph.driver
        init_schema(driver)
        t0 = time.perf_counter()
        friends = FriendGraph()
        friends.grow_to(driver, scale.edges, batch=settings.graph_write_batch)
        result = rank(driver)
        console.print(
            f"graph of {fmt_int(friends.edges)} KNOWS edges, {fmt_int(len(friends.supporters))} "
            f"supporters built and ranked in {time.perf_counter() - t0:.0f}s "
            f"({fmt_int(result.counts['assigned'])} asks assigned)"
        )
        ranked = [str(r["id"]) for r in read(driver, BENCH_RANKED_SUPPORTERS)]
        with ApiProcess(env, workers) as api:
            build_retries = retries.count
            reads, single = measure_reads(graph, api, ranked, scale)
            burst = measure_outcomes(graph, api, ranked, scale)
            burst.bench_retries = retries.count - build_retries
            burst.api_retries = api.retries_logged()
    _print(report, scale_name, scale, workers, friends, len(ranked), reads, single, burst)


def _tokens(supporters: Sequence[str]) -> dict[str, str]:
    from outreach.core.settings import get_settings
    from outreach.core.tokens import issue_token

    settings = get_settings()
    return {s: issue_token(settings, subject=s, role="supporter") for s in supporters}


def measure_reads(
    graph: Graph, api: ApiProcess, ranked: list[str], scale: Scale
) -> tuple[dict[str, Series], dict[str, Series]]:
    """Targets: the bare driver and the API, in alternating rounds.

    Then each of the bare read and the API with one client at a time, for the latency
    without queueing.
    """
    from neo4j import RoutingControl

    from graph.ask_lists import READ_ASK_LIST
    from outreach.core.settings import get_settings

    driver = graph.driver
    database = get_settings().graph_database
    tokens = _tokens(ranked)
    rnd = random.Random(2026)
    per_round = scale.reads // ROUNDS

    def bare_call() -> Callable[[str], bool]:
        def call(sid: str) -> bool:
            driver.execute_query(READ_ASK_LIST, {"supporter_id": sid}, database_=database,
                                 routing_=RoutingControl.READ)  # fmt: skip
            return True

        return call

    def api_call() -> Callable[[str], bool]:
        client = httpx.Client(base_url=api.base_url, timeout=30.0)

        def call(sid: str) -> bool:
            response = client.get(
                f"/supporters/{sid}/targets", headers={"Authorization": f"Bearer {tokens[sid]}"}
            )
            return response.status_code == 200 and bool(response.json()["items"])

        return call

    kinds = {
        "bare driver: READ_ASK_LIST (the list's one read)": bare_call,
        "API: GET /supporters/{id}/targets": api_call,
    }
    totals = {name: Series(name) for name in kinds}
    for name, make in kinds.items():  # warm-up, not counted
        hammer(name, rnd.choices(ranked, k=300), make, max_seconds=30)
    for round_no in range(ROUNDS):
        for name, make in kinds.items():
            sample = rnd.choices(ranked, k=per_round)
            graph0, api0, own0 = (
                graph.server_cpu_seconds(),
                api.cpu_seconds(),
                process_cpu_seconds(),
            )
            got = hammer(name, sample, make, max_seconds=scale.series_seconds)
            got.graph_cpu = graph.server_cpu_seconds() - graph0
            got.api_cpu = api.cpu_seconds() - api0
            got.client_cpu = process_cpu_seconds() - own0
            totals[name].add(got)
            console.print(
                f"  round {round_no + 1}: {name}: p50 {fmt_ms(got.p(50))} ms, "
                f"p99 {fmt_ms(got.p(99))} ms, {got.errors} errors"
            )
    single = {}
    for name in (next(iter(kinds)), "API: GET /supporters/{id}/targets"):
        sample = rnd.choices(ranked, k=SINGLE_CLIENT_REQUESTS)
        single[name] = hammer(name, sample, kinds[name], threads=1, max_seconds=60)
    return totals, single


def _with_cpu(graph: Graph, api: ApiProcess, run: Callable[[], Series]) -> Series:
    """Run a series and record the CPU the graph server, the API and this process used."""
    graph0, api0, own0 = graph.server_cpu_seconds(), api.cpu_seconds(), process_cpu_seconds()
    series = run()
    series.graph_cpu = graph.server_cpu_seconds() - graph0
    series.api_cpu = api.cpu_seconds() - api0
    series.client_cpu = process_cpu_seconds() - own0
    return series


@dataclass
class Burst:
    """What the outcome burst sent, got back and left in the graph."""

    bare: Series
    api: Series
    asked_before: int = 0
    asked_after_bare: int = 0
    asked_after: int = 0
    bare_sent: int = 0
    sent: int = 0
    resent: int = 0
    accepted: set[str] = field(default_factory=set)
    duplicates_answered: int = 0
    bare_ids: set[str] = field(default_factory=set)
    ids_after: list[str] = field(default_factory=list)
    ids_before: set[str] = field(default_factory=set)
    per_supporter_before: int = 0
    per_supporter_after: int = 0
    bench_retries: int = 0
    api_retries: int = 0


def measure_outcomes(graph: Graph, api: ApiProcess, ranked: list[str], scale: Scale) -> Burst:
    """Bare outcome writes, then the API burst; count the ASKED edges before and after."""
    from neo4j import RoutingControl

    from graph.db.run import read
    from graph.outcomes import OUTCOME_EXISTS, RECORD_OUTCOME, count_outcomes
    from graph.ranking import READ_TARGETS
    from outreach.core.settings import get_settings

    driver = graph.driver
    database = get_settings().graph_database
    rnd = random.Random(7)
    pairs: list[tuple[str, str]] = []
    for sid in ranked:
        records, _, _ = driver.execute_query(
            READ_TARGETS, {"supporter_id": sid, "offset": 0, "limit": 10}, database_=database,
            routing_=RoutingControl.READ,
        )  # fmt: skip
        pairs.extend((sid, str(r["friend_id"])) for r in records)
    rnd.shuffle(pairs)
    involved = sorted({sid for sid, _ in pairs})
    tokens = _tokens(involved)

    def asked_total() -> int:
        return int(read(driver, BENCH_COUNT_ASKED)[0]["n"])

    def per_supporter() -> int:
        return sum(count_outcomes(driver, sid) for sid in involved)

    burst = Burst(bare=Series("bare"), api=Series("api"))
    burst.asked_before = asked_total()
    burst.ids_before = {str(r["id"]) for r in read(driver, BENCH_ASKED_IDS)}
    burst.per_supporter_before = per_supporter()

    # Baseline: the route's transaction through the bare driver.
    cycled = itertools.islice(itertools.cycle(pairs), scale.bare_writes)
    bare_items = [(sid, fid, f"{sid}:bare-{uuid.uuid4().hex}") for sid, fid in cycled]
    bare_lock = threading.Lock()

    def bare_call() -> Callable[[tuple[str, str, str]], bool]:
        def work(tx: Any, sid: str, fid: str, oid: str) -> bool:
            params = {"supporter_id": sid, "outcome_id": oid}
            if tx.run(OUTCOME_EXISTS, params).single() is not None:
                return False
            record = tx.run(
                RECORD_OUTCOME,
                {**params, "friend_id": fid, "channel": "text", "outcome": "asked"},
            ).single()
            return record is not None

        def call(item: tuple[str, str, str]) -> bool:
            sid, fid, oid = item
            with driver.session(database=database) as session:
                ok = bool(session.execute_write(work, sid, fid, oid))
            if ok:
                with bare_lock:
                    burst.bare_ids.add(oid)
            return ok

        return call

    burst.bare_sent = len(bare_items)
    burst.bare = _with_cpu(graph, api, lambda: hammer("bare", bare_items, bare_call,
                                                      max_seconds=600))  # fmt: skip
    burst.asked_after_bare = asked_total()

    # The API burst: unique client ids, one in fifty sent again.
    items: list[tuple[str, str, str]] = []
    for sid, fid in itertools.islice(itertools.cycle(pairs), scale.burst):
        items.append((sid, fid, uuid.uuid4().hex))
    resends = rnd.sample(items, len(items) // 50)
    items.extend(resends)
    burst.sent, burst.resent = len(items), len(resends)
    lock = threading.Lock()

    def api_call() -> Callable[[tuple[str, str, str]], bool]:
        client = httpx.Client(base_url=api.base_url, timeout=60.0)

        def call(item: tuple[str, str, str]) -> bool:
            sid, fid, client_id = item
            response = client.post(
                f"/supporters/{sid}/outcomes",
                json={"friend_id": fid, "channel": "text", "outcome": "asked",
                      "client_id": client_id},
                headers={"Authorization": f"Bearer {tokens[sid]}"},
            )  # fmt: skip
            if response.status_code != 201:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:120]}")
            with lock:
                if response.json()["duplicate"]:
                    burst.duplicates_answered += 1
                else:
                    burst.accepted.add(f"{sid}:{client_id}")
            return True

        return call

    burst.api = _with_cpu(graph, api, lambda: hammer("api", items, api_call, max_seconds=1200))
    burst.asked_after = asked_total()
    burst.ids_after = [str(r["id"]) for r in read(driver, BENCH_ASKED_IDS)]
    burst.per_supporter_after = per_supporter()
    return burst


# --------------------------------------------------------------------------- tables


def _print(
    report: Report,
    scale_name: str,
    scale: Scale,
    workers: int,
    friends: FriendGraph,
    ranked: int,
    reads: dict[str, Series],
    single: dict[str, Series],
    burst: Burst,
) -> None:
    report.heading(f"API ({scale_name})")
    series = list(reads.values())
    base = series[0]
    rows = []
    for s in series:
        rows.append(
            [s.name, fmt_int(s.calls), str(s.errors), fmt_ms(s.p(50)), fmt_ms(s.p(90)),
             fmt_ms(s.p(99)), f"{s.rate:,.0f}", fmt_ratio(ratio(s.p(50), base.p(50))),
             fmt_ratio(ratio(s.p(99), base.p(99))), fmt_ratio(ratio(s.rate, base.rate)),
             fmt_ms(ratio(s.graph_cpu, s.calls)), fmt_ms(ratio(s.api_cpu, s.calls)),
             fmt_ms(ratio(s.client_cpu, s.calls))]
        )  # fmt: skip
    api = series[-1]
    samples = [e for s in series for e in s.error_samples]
    report.table(
        f"Targets list, {CONCURRENCY} concurrent clients over loopback "
        f"({fmt_int(friends.edges)} KNOWS edges, {fmt_int(ranked)} supporters with a list, "
        f"uvicorn with {workers} worker)",
        ["path", "requests", "errors", "p50 ms", "p90 ms", "p99 ms", "req/s", "p50 x bare",
         "p99 x bare", "req/s x bare", "graph CPU ms/req", "API CPU ms/req",
         "client CPU ms/req"],
        rows,
        notes=[
            f"API p50 is {fmt_ratio(ratio(api.p(50), base.p(50)))} the bare driver's "
            "(goal: at most 2x).",
            f"{ROUNDS} alternating rounds after a warm-up; each series at most "
            f"{fmt_int(scale.reads // ROUNDS)} requests and {scale.series_seconds:.0f}s per round.",
            "CPU per request: CPU seconds the graph server, the API process and the bench "
            "process (the 32 client threads) used while the series ran, over its requests. "
            "The machine has 2 cores for all three.",
            *([f"first errors: {'; '.join(samples)}"] if samples else []),
        ],
    )  # fmt: skip

    one_base = next(iter(single.values()))
    report.table(
        "Targets list, one client at a time (no queueing)",
        ["path", "requests", "errors", "p50 ms", "p99 ms", "p50 x bare"],
        [
            [s.name, fmt_int(s.calls), str(s.errors), fmt_ms(s.p(50)), fmt_ms(s.p(99)),
             fmt_ratio(ratio(s.p(50), one_base.p(50)))]
            for s in single.values()
        ],
    )  # fmt: skip

    b, a = burst.bare, burst.api
    report.table(
        f"Outcome writes, {CONCURRENCY} concurrent clients",
        ["path", "writes", "errors", "p50 ms", "p99 ms", "writes/s", "p50 x bare",
         "writes/s x bare", "graph CPU ms/write", "API CPU ms/write", "client CPU ms/write"],
        [
            [name, fmt_int(x.calls), str(x.errors), fmt_ms(x.p(50)), fmt_ms(x.p(99)),
             f"{x.rate:,.0f}", fmt_ratio(ratio(x.p(50), b.p(50))),
             fmt_ratio(ratio(x.rate, b.rate)), fmt_ms(ratio(x.graph_cpu, x.calls)),
             fmt_ms(ratio(x.api_cpu, x.calls)), fmt_ms(ratio(x.client_cpu, x.calls))]
            for name, x in (("bare driver: the route's transaction", b),
                            ("API: POST /supporters/{id}/outcomes", a))
        ],
        notes=[
            f"Transient write conflicts retried by the driver: {burst.bench_retries} in the "
            f"bench process, {burst.api_retries} in the API process.",
            *([f"first errors: {'; '.join(b.error_samples + a.error_samples)}"]
              if b.error_samples or a.error_samples else []),
        ],
    )  # fmt: skip

    new_ids = [i for i in burst.ids_after if i not in burst.ids_before]
    api_new = [i for i in new_ids if i not in burst.bare_ids]
    lost = burst.accepted - set(api_new)
    extra = set(api_new) - burst.accepted
    doubled = len(api_new) - len(set(api_new))
    bare_delta = burst.asked_after_bare - burst.asked_before
    api_delta = burst.asked_after - burst.asked_after_bare
    report.table(
        "Outcome burst: nothing lost, nothing doubled (ASKED edges counted in the graph)",
        ["check", "count"],
        [
            ["ASKED edges before", fmt_int(burst.asked_before)],
            ["bare writes sent / acknowledged", f"{fmt_int(burst.bare_sent)} / "
             f"{fmt_int(len(burst.bare_ids))}"],
            ["ASKED edges added by the bare writes", fmt_int(bare_delta)],
            ["API posts sent (of which resends of an earlier client_id)",
             f"{fmt_int(burst.sent)} ({fmt_int(burst.resent)})"],
            ["API answered 201, new", fmt_int(len(burst.accepted))],
            ["API answered 201, duplicate", fmt_int(burst.duplicates_answered)],
            ["API errors", fmt_int(a.errors)],
            ["ASKED edges added during the API burst", fmt_int(api_delta)],
            ["accepted by the API but missing from the graph", fmt_int(len(lost))],
            ["in the graph but never accepted", fmt_int(len(extra))],
            ["stored twice (same outcome id)", fmt_int(doubled)],
            ["count_outcomes summed over the supporters, added",
             fmt_int(burst.per_supporter_after - burst.per_supporter_before)],
        ],
        notes=[
            "Nothing lost when the edges added equal the new answers (bare: the acknowledged "
            "writes), no id is missing, none is stored twice.",
            "Counts use bench-only Cypher over all ASKED edges (bench/api.py), and "
            "graph.outcomes.count_outcomes per supporter.",
        ],
    )  # fmt: skip
