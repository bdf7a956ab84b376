"""The supporter's wait: from the end of a 300-contact upload to their list being served.

What a supporter lives through on their phone: the upload's ``202 Accepted`` arrives, the
page waits for the re-rank job that follows the upload, then fetches the list. Measured
here against the real API (uvicorn in a child process) and a real Celery worker, on the
synthetic friend graph of the ``rank`` and ``api`` suites (``bench/synthetic.py``):

* the graph is grown to the scale's ``KNOWS`` edges and fully ranked, so every existing
  supporter has a list and holds their friends (the re-rank after an upload must respect
  them);
* each upload is a new supporter's 300 contacts, as a CSV of first name, last name and
  phone: a fifth from the shared pool of an existing community (friends other supporters
  already know, and may already be asked by), the rest people no supporter knows yet. All
  of them are on the voter file (written before anything is timed, as a loaded voter file
  would have), which carries the phone of seven in ten: the product's linker links those
  by phone, and looks the others up by name, where the synthetic file's few names give
  each many namesakes, as a common name does in a statewide file;
* per broker (the embedded SQLite broker, then Redis on a private port) and per load (one
  upload at a time, then four at once), after two uploads that warm the worker and the
  graph server up and are not counted, the wait of every upload: from the ``202`` of
  ``POST /supporters/{id}/uploads`` until ``GET /supporters/{id}/targets`` has answered
  with a non-empty list after the re-rank job ended. The client follows each job as the
  supporter's page does, with long polls (``GET /jobs/{id}?wait=20&seen=...``) that the
  API answers within a tenth of a second of a change.

Baselines from the same run, on the same server: the full re-rank of the graph
(``outreach.usecases.rerank.rank``), and the ingest job's share of each wait (its
``updated_at`` minus the ``202``).
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from bench.api import ApiProcess
from bench.common import (
    BENCH_SECRET,
    BenchEnv,
    Graph,
    Report,
    console,
    fmt_int,
    fmt_ratio,
    fmt_s,
    free_port,
    graph_server,
    median,
    percentile,
)
from bench.synthetic import COMMUNITY, POOL, FriendGraph


@dataclass(frozen=True)
class Scale:
    """Sizes of one scale."""

    edges: int
    singles: int  # uploads one at a time, per broker
    rounds: int  # rounds of four uploads at once, per broker


SCALES = {
    "small": Scale(edges=100_000, singles=10, rounds=4),
    "full": Scale(edges=1_000_000, singles=10, rounds=4),
}
CONTACTS = 300
SHARED_SHARE = 0.2
OFF_FILE_SHARE = 0.3  # contacts whose number the voter file lacks: found by name, if at all
IN_FLIGHT = 4
WARMUP = 2  # uploads per broker run first and not counted
# The worker's processes: 2 (as the command line starts it) unless OUTREACH_BENCH_WORKER_PROCESSES.
WORKER_PROCESSES = int(os.environ.get("OUTREACH_BENCH_WORKER_PROCESSES", "2"))
WATCH_SECONDS = 20  # each long poll on a job, as the supporter page asks
JOB_TIMEOUT = 600.0


@dataclass
class Upload:
    """One planned upload: a new supporter and the voter-file people they know."""

    supporter_id: str
    people: list[int]
    csv: bytes = b""


@dataclass
class Wait:
    """One measured wait, in seconds from the ``202``, and where it went (job timestamps)."""

    total: float
    ingest: float
    rank_status: str
    listed: int
    stages: dict[str, float] = field(default_factory=dict)
    merged: bool = False


STAGES = ("load queued", "load ran", "re-rank queued", "re-rank ran")


def _when(stamp: str | None) -> datetime | None:
    """A server timestamp (nanoseconds allowed) as a datetime."""
    if not stamp:
        return None
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", stamp).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed)


def stages_of(load: dict[str, Any], rerank: dict[str, Any]) -> dict[str, float]:
    """Queue waits and run times of the load and its re-rank, from their records."""
    times = [
        _when(load.get("created_at")),
        _when(load.get("started_at")),
        _when(load.get("updated_at")),
        _when(rerank.get("started_at")),
        _when(rerank.get("updated_at")),
    ]
    known = [t for t in times if t is not None]
    if len(known) < len(times):
        return {}
    spans = [(b - a).total_seconds() for a, b in itertools.pairwise(known)]
    return dict(zip(STAGES, spans, strict=True))


@dataclass
class Series:
    """The waits of one (broker, load) combination."""

    broker: str
    in_flight: int
    waits: list[Wait] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    merged: int = 0  # re-rank jobs another run covered


def _off_file(idx: int) -> bool:
    """True for the people (a stable three in ten) whose voter record carries no phone."""
    return (idx * 2654435761) % 1000 < OFF_FILE_SHARE * 1000


def _phone(idx: int) -> str:
    """A valid US number for person ``idx`` (unique below eight million)."""
    digits = f"{2_000_000 + idx:07d}"
    return f"+1608{digits}"


def plan_uploads(friends: FriendGraph, count: int, seed: int = 7) -> list[Upload]:
    """``count`` new supporters, each with 300 people: a fifth shared with a community."""
    rng = random.Random(seed)
    communities = max(1, len(friends.supporters) // COMMUNITY)
    uploads = []
    next_person = friends.persons + 1_000_000  # clear of anything the graph may grow
    for i in range(count):
        pool = friends.pools.get(rng.randrange(communities)) or next(iter(friends.pools.values()))
        shared = rng.sample(pool, min(POOL, round(CONTACTS * SHARED_SHARE)))
        own = list(range(next_person, next_person + CONTACTS - len(shared)))
        next_person += len(own)
        uploads.append(Upload(supporter_id=f"bench-wait-{i:04d}", people=shared + own))
    return uploads


def write_voter_file(graph: Graph, friends: FriendGraph, uploads: list[Upload]) -> None:
    """Put every uploaded person on the voter file, with the phone their contact carries."""
    from graph.voters import upsert_voters
    from ingest.records import VoterRecord
    from ingest.voters_job import voter_row

    rows = []
    seen: set[int] = set()
    for upload in uploads:
        lines = ["first_name,last_name,phone"]
        for idx in upload.people:
            props = friends._voter_row(idx)["props"]  # the same person the graph holds
            lines.append(f"{props['first_name']},{props['last_name']},{_phone(idx)}")
            if idx in seen:
                continue
            seen.add(idx)
            record = VoterRecord(
                voter_id=friends.voter_id(idx),
                first_name=props["first_name"],
                last_name=props["last_name"],
                state=props["state"],
                district=props["district"],
                phone=None if _off_file(idx) else _phone(idx),
                vote_history=props["vote_history"],
                support_score=props["support_score"],
                registration_status=props["registration_status"],
                household_id=props["household_id"],
            )
            rows.append(voter_row(record, secret=BENCH_SECRET))
        upload.csv = ("\n".join(lines) + "\n").encode()
    upsert_voters(graph.driver, rows, batch_size=5_000)


# --------------------------------------------------------------------------- brokers


class RedisServer:
    """A private redis-server on a free loopback port, without persistence."""

    def __init__(self, env: BenchEnv) -> None:
        self.port = free_port(16399)
        self.dir = env.root / "redis"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                import redis

                if redis.Redis(port=self.port).ping():
                    return self
            except Exception:  # not up yet
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _use_broker(url: str | None) -> None:
    """Point this process and its children (API, worker) at a broker; None: the embedded one."""
    from outreach.core.settings import reset_settings

    for name in ("OUTREACH_BROKER_URL", "OUTREACH_RESULT_BACKEND"):
        os.environ.pop(name, None)
    if url:
        os.environ.update(OUTREACH_BROKER_URL=url, OUTREACH_RESULT_BACKEND=url)
    reset_settings()


# --------------------------------------------------------------------------- one wait


def _poll_job(client: httpx.Client, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Follow the job as the supporter's page does: long polls, each answered on a change."""
    deadline = time.monotonic() + JOB_TIMEOUT
    seen: str | None = None
    while time.monotonic() < deadline:
        params: dict[str, Any] = {"wait": WATCH_SECONDS}
        if seen is not None:
            params["seen"] = seen
        job = client.get(f"/jobs/{job_id}", params=params, headers=headers).json()
        if job.get("status") in ("succeeded", "failed", "skipped"):
            return dict(job)
        seen = job.get("updated_at")
    raise TimeoutError(f"job {job_id} did not end in {JOB_TIMEOUT:.0f}s")


def one_wait(base_url: str, upload: Upload, token: str) -> Wait:
    """Consent, upload, then wait for the list as the supporter's page does."""
    from outreach.usecases.consent import CURRENT_TERMS

    headers = {"Authorization": f"Bearer {token}"}
    sid = upload.supporter_id
    with httpx.Client(base_url=base_url, timeout=120) as client:
        client.post(
            f"/supporters/{sid}/consent", json={"terms_version": CURRENT_TERMS}, headers=headers
        ).raise_for_status()
        answer = client.post(
            f"/supporters/{sid}/uploads",
            files={"file": ("contacts.csv", io.BytesIO(upload.csv), "text/csv")},
            headers=headers,
        )
        accepted = time.perf_counter()
        answer.raise_for_status()
        body = answer.json()
        ingest_job = _poll_job(client, body["job_id"], headers)
        ingest_done = time.perf_counter()
        if ingest_job["status"] != "succeeded":
            raise RuntimeError(f"upload job {ingest_job['status']}: {ingest_job.get('message')}")
        rank_job = _poll_job(client, body["rank_job_id"], headers)
        merged = "together with" in str(rank_job.get("message") or "")
        page = client.get(f"/supporters/{sid}/targets", headers=headers)
        served = time.perf_counter()
        page.raise_for_status()
        listed = int(page.json()["total"])
    if listed == 0:
        raise RuntimeError("the list was served empty after the re-rank")
    return Wait(
        total=served - accepted,
        ingest=ingest_done - accepted,
        rank_status=str(rank_job["status"]),
        listed=listed,
        stages=stages_of(ingest_job, rank_job),
        merged=merged,
    )


def run_series(base_url: str, uploads: list[Upload], in_flight: int, broker: str) -> Series:
    """Every upload of ``uploads``, ``in_flight`` at a time (each batch started together)."""
    from outreach.core.settings import get_settings
    from outreach.core.tokens import issue_token

    settings = get_settings()
    series = Series(broker=broker, in_flight=in_flight)
    lock = threading.Lock()

    def run(upload: Upload) -> None:
        token = issue_token(settings, subject=upload.supporter_id, role="supporter")
        try:
            wait = one_wait(base_url, upload, token)
        except Exception as exc:  # every failure is counted and shown
            with lock:
                series.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with lock:
            series.waits.append(wait)
            series.merged += wait.merged

    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        for start in range(0, len(uploads), in_flight):
            list(pool.map(run, uploads[start : start + in_flight]))
            time.sleep(0.5)  # let the worker settle between batches
    return series


def measure_broker(
    env: BenchEnv, broker: str, url: str | None, uploads: list[Upload], singles: int
) -> list[Series]:
    """Start a worker and the API on ``url``'s broker; warm up, then run both loads.

    The first uploads after a start pay for cold caches in the worker's processes and the
    graph server's first runs of these queries; they are run and not counted, so neither
    broker pays for going first.
    """
    warmup, rest = uploads[:WARMUP], uploads[WARMUP:]
    from outreach.cli.processes import start_worker
    from outreach.core.settings import get_settings

    _use_broker(url)
    settings = get_settings()
    worker = start_worker(settings, concurrency=WORKER_PROCESSES)
    try:
        with ApiProcess(env, 1) as api:
            time.sleep(3.0)  # the worker's start-up and its housekeeping task
            run_series(api.base_url, warmup, 1, broker)
            return [
                run_series(api.base_url, rest[:singles], 1, broker),
                run_series(api.base_url, rest[singles:], IN_FLIGHT, broker),
            ]
    finally:
        worker.stop()


# --------------------------------------------------------------------------- the suite


def run(env: BenchEnv, scale_name: str, report: Report) -> None:
    """Build and rank the graph, then measure the wait per broker and load."""
    from graph.db.schema import init_schema
    from outreach.core.settings import get_settings
    from outreach.usecases.rerank import rank

    scale = SCALES[scale_name]
    settings = get_settings()
    have_redis = shutil.which("redis-server") is not None
    per_broker = WARMUP + scale.singles + scale.rounds * IN_FLIGHT
    with graph_server(env) as graph:
        init_schema(graph.driver)
        friends = FriendGraph()
        t0 = time.perf_counter()
        friends.grow_to(graph.driver, scale.edges, batch=settings.graph_write_batch)
        grown = time.perf_counter() - t0
        t0 = time.perf_counter()
        rank(graph.driver)
        full_rank = time.perf_counter() - t0
        console.print(
            f"graph of {fmt_int(friends.edges)} KNOWS edges, "
            f"{fmt_int(len(friends.supporters))} supporters: grown in {grown:.0f}s, "
            f"fully ranked in {full_rank:.1f}s"
        )
        uploads = plan_uploads(friends, per_broker * (2 if have_redis else 1))
        write_voter_file(graph, friends, uploads)
        results: list[Series] = []
        chunks = [uploads[i : i + per_broker] for i in range(0, len(uploads), per_broker)]
        results += measure_broker(env, "embedded", None, chunks[0], scale.singles)
        if have_redis:
            with RedisServer(env) as redis_server:
                results += measure_broker(env, "redis", redis_server.url, chunks[1], scale.singles)
        else:
            report.note("redis-server is not installed: the Redis broker was not measured.")
        _use_broker(None)
    _print(report, scale_name, friends, full_rank, results)


def _print(
    report: Report, scale: str, friends: FriendGraph, full_rank: float, results: list[Series]
) -> None:
    report.heading(f"The supporter's wait after a {CONTACTS}-contact upload ({scale})")
    report.note(
        f"Worker: prefork, {WORKER_PROCESSES} processes. "
        f"Graph: {fmt_int(friends.edges)} KNOWS edges, {fmt_int(len(friends.supporters))} "
        f"supporters, fully ranked in {fmt_s(full_rank)} (the baseline). Wait: from the "
        "upload's 202 to the list served after its re-rank. Goal (issue 11): p95 under 3 s "
        "on Redis and under 5 s on the embedded broker, with 4 uploads in flight at full scale."
    )
    rows = []
    for s in results:
        totals = [w.total for w in s.waits]
        ingests = [w.ingest for w in s.waits]
        if totals:
            p50, p95 = median(totals), percentile(totals, 95)
            rows.append(
                [
                    s.broker,
                    str(s.in_flight),
                    f"{len(totals)}/{len(totals) + len(s.errors)}",
                    fmt_s(p50),
                    fmt_s(p95),
                    fmt_s(max(totals)),
                    f"{median([i / t for i, t in zip(ingests, totals, strict=True)]):.0%}",
                    fmt_ratio(p95 / full_rank),
                ]
            )
        else:
            rows.append([s.broker, str(s.in_flight), f"0/{len(s.errors)}", "-", "-", "-", "-", "-"])
        for error in sorted(set(s.errors)):
            report.note(f"{s.broker}, {s.in_flight} in flight: {error}")
    report.table(
        "Wait from the upload's 202 to the list served",
        [
            "broker",
            "in flight",
            "served",
            "p50",
            "p95",
            "max",
            "ingest share (p50)",
            "p95 / full re-rank",
        ],
        rows,
    )
    report.table(
        "Where the wait went: medians from the jobs' own timestamps (seconds)",
        ["broker", "in flight", *STAGES, "re-ranks covered by another"],
        [
            [
                s.broker,
                str(s.in_flight),
                *(
                    fmt_s(median([w.stages[k] for w in s.waits if k in w.stages]))
                    if any(k in w.stages for w in s.waits)
                    else "-"
                    for k in STAGES
                ),
                str(s.merged),
            ]
            for s in results
        ],
    )
