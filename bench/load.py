"""Sustained load: list reads, uploads and outcome writes together for minutes, then counted.

``python -m bench load --minutes 5`` (at least 5 for the figure that counts). On seeded demo
data (``outreach.demo.generate``), with the suite's own graph server, a real Celery worker
(its own process, on the embedded broker) and the real API under uvicorn, called over
loopback:

* **Baseline**: the list reads alone, from the same clients, for a fifth of the run (at
  most a minute), before anything else runs.
* **Mixed run**: for ``--minutes``, ``CLIENTS`` threads each loop over a mix of
  ``GET /supporters/{id}/targets`` (4 in 5) and ``POST /supporters/{id}/outcomes`` (1 in 5,
  a friend from that supporter's list, a fresh ``client_id``), while one more thread
  sends ``POST /supporters/{id}/uploads`` every ``UPLOAD_EVERY`` seconds (each upload
  loads as a job, then re-ranks its supporter: the worker is busy all along).
* **Counted**: every non-2xx answer and every exception is an error (goal: none). After
  the run, every acknowledged outcome must be an ``ASKED`` edge with its id, once; every
  accepted upload's job must have succeeded, and its supporter must have as many friends
  in the graph as the job says it wrote.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.api import BENCH_ASKED_IDS, ApiProcess
from bench.common import (
    BenchEnv,
    Report,
    console,
    fmt_int,
    fmt_ms,
    fmt_pct,
    fmt_ratio,
    graph_server,
    percentile,
    ratio,
)

CLIENTS = 6
UPLOAD_EVERY = 4.0
OUTCOME_SHARE = 0.2
SIZES = {
    "small": {"voters": 20_000, "supporters": 120, "contacts_mean": 80, "ranked": 40},
    "full": {"voters": 100_000, "supporters": 400, "contacts_mean": 120, "ranked": 150},
}
JOB_WAIT_SECONDS = 900.0


@dataclass
class Calls:
    """Latencies and failures of one kind of request."""

    name: str
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    wall: float = 0.0

    @property
    def calls(self) -> int:
        """Requests sent, answered or not."""
        return len(self.seconds) + self.errors

    def fail(self, text: str) -> None:
        """Count a failed request; keep the first few reasons."""
        self.errors += 1
        if len(self.error_examples) < 5:
            self.error_examples.append(text[:160])


@dataclass
class Written:
    """What the API acknowledged, to be found in the graph afterwards."""

    outcomes: set[str] = field(default_factory=set)
    duplicates_answered: int = 0
    uploads: list[tuple[str, str]] = field(default_factory=list)  # (supporter, job id)
    reranks: list[str] = field(default_factory=list)  # the re-rank job after each upload


class Clients:
    """Keep-alive HTTP clients on the API with a token per supporter, one per thread."""

    def __init__(self, base_url: str, supporters: list[str]) -> None:
        from outreach.core.settings import get_settings
        from outreach.core.tokens import issue_token

        settings = get_settings()
        self.base_url = base_url
        self.tokens = {s: issue_token(settings, subject=s, role="supporter") for s in supporters}
        self.local = threading.local()

    def client(self) -> httpx.Client:
        """This thread's client."""
        client = getattr(self.local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base_url, timeout=120.0)
            self.local.client = client
        return client

    def auth(self, supporter: str) -> dict[str, str]:
        """The header that signs ``supporter`` in."""
        return {"Authorization": f"Bearer {self.tokens[supporter]}"}


def _timed(
    series: Calls, lock: threading.Lock, call: Callable[..., httpx.Response], *args: Any
) -> Any:
    """Run one request; record its latency if it answered 2xx, else count an error."""
    t0 = time.perf_counter()
    try:
        response = call(*args)
    except httpx.HTTPError as exc:
        with lock:
            series.fail(f"{exc.__class__.__name__}: {exc}")
        return None
    took = time.perf_counter() - t0
    with lock:
        if 200 <= response.status_code < 300:
            series.seconds.append(took)
        else:
            series.fail(f"HTTP {response.status_code}: {response.text}")
            return None
    return response.json()


def run(env: BenchEnv, scale_name: str, report: Report, *, minutes: float) -> None:
    """Build the world, run the baseline and the mixed load, then count what was stored."""
    from graph.db.schema import init_schema
    from outreach.cli.processes import start_worker
    from outreach.core.settings import get_settings
    from outreach.demo import generate
    from outreach.usecases import voter_files
    from outreach.usecases.rerank import rank

    size = SIZES[scale_name]
    settings = get_settings()
    manifest = generate(
        env.files_dir / "demo",
        seed=2027,
        voters=size["voters"],
        supporters=size["supporters"],
        contacts_mean=size["contacts_mean"],
    )
    supporters = sorted(manifest.contact_files)
    files = {s: manifest.contact_files[s].read_bytes() for s in supporters}
    ranked, uploaders = supporters[: size["ranked"]], supporters[size["ranked"] :]
    with graph_server(env) as graph:
        driver = graph.driver
        init_schema(driver)
        t0 = time.perf_counter()
        voter_files.load(driver, settings, path=manifest.voters_csv, mapping="demo")
        console.print(f"{fmt_int(size['voters'])} voters loaded in {time.perf_counter() - t0:.0f}s")
        worker = start_worker(settings, concurrency=2)
        try:
            with ApiProcess(env, 1) as api:
                clients = Clients(api.base_url, supporters)
                t0 = time.perf_counter()
                warm = Written()
                _upload_all(clients, ranked, files, warm)
                _wait_jobs(driver, [job for _, job in warm.uploads])
                rank(driver)
                console.print(
                    f"{len(ranked)} supporters uploaded and ranked in "
                    f"{time.perf_counter() - t0:.0f}s; the load runs {minutes:g} minutes"
                )
                lists = _lists(clients, ranked)
                baseline_s = min(60.0, minutes * 12.0)
                baseline = _drive(clients, lists, ranked, [], files, baseline_s, mixed=False)
                mixed = _drive(clients, lists, ranked, uploaders, files, minutes * 60, mixed=True)
                t0 = time.perf_counter()
                jobs = _wait_jobs(driver, [job for _, job in mixed.written.uploads])
                reranks = _wait_jobs(driver, mixed.written.reranks)
                drain_s = time.perf_counter() - t0
        finally:
            worker.stop(timeout=120)
        stored = _count(driver, mixed.written, jobs, reranks)
    _print(report, scale_name, minutes, baseline, mixed, stored, drain_s)


def _read(clients: Clients, supporter: str) -> httpx.Response:
    return clients.client().get(f"/supporters/{supporter}/targets", headers=clients.auth(supporter))


def _outcome(clients: Clients, supporter: str, body: dict[str, str]) -> httpx.Response:
    return clients.client().post(
        f"/supporters/{supporter}/outcomes", json=body, headers=clients.auth(supporter)
    )


def _upload(clients: Clients, supporter: str, data: bytes) -> httpx.Response:
    client = clients.client()
    return client.post(
        f"/supporters/{supporter}/uploads",
        files={"file": ("contacts.csv", data, "text/csv")},
        headers=clients.auth(supporter),
    )


def _upload_all(
    clients: Clients, supporters: list[str], files: dict[str, bytes], into: Written
) -> None:
    from outreach.usecases.consent import CURRENT_TERMS

    client = clients.client()
    for s in supporters:
        consent = client.post(
            f"/supporters/{s}/consent",
            json={"terms_version": CURRENT_TERMS},
            headers=clients.auth(s),
        )
        consent.raise_for_status()
        response = _upload(clients, s, files[s])
        response.raise_for_status()
        into.uploads.append((s, str(response.json()["job_id"])))


def _wait_jobs(driver: Any, job_ids: list[str]) -> dict[str, Any]:
    """Every job's final record (or its last one, if it did not end in time)."""
    from graph.jobs import get_job

    deadline = time.monotonic() + JOB_WAIT_SECONDS
    final: dict[str, Any] = {}
    for job_id in job_ids:
        while True:
            job = get_job(driver, job_id)
            if job.finished or time.monotonic() > deadline:
                final[job_id] = job
                break
            time.sleep(0.5)
    return final


def _lists(clients: Clients, supporters: list[str]) -> dict[str, list[str]]:
    """Each supporter's friend ids on their list, for the outcome writes."""
    client = clients.client()
    lists = {}
    for s in supporters:
        body = client.get(f"/supporters/{s}/targets", headers=clients.auth(s)).json()
        lists[s] = [str(item["friend_id"]) for item in body["items"]]
    return lists


@dataclass
class Run:
    """One driven period: the series by kind and what was acknowledged."""

    seconds: float
    series: dict[str, Calls]
    written: Written


def _drive(
    clients: Clients,
    lists: dict[str, list[str]],
    readers: list[str],
    uploaders: list[str],
    files: dict[str, bytes],
    seconds: float,
    *,
    mixed: bool,
) -> Run:
    """Drive the API for ``seconds``: reads only, or the mix with outcomes and uploads."""
    from outreach.usecases.consent import CURRENT_TERMS

    series = {name: Calls(name) for name in ("read", "outcome", "upload")}
    written = Written()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    with_friends = [s for s in readers if lists.get(s)]

    def client_loop(n: int) -> None:
        rnd = random.Random(n)
        while time.monotonic() < stop:
            if mixed and with_friends and rnd.random() < OUTCOME_SHARE:
                s = rnd.choice(with_friends)
                client_id = uuid.uuid4().hex
                body = {"friend_id": rnd.choice(lists[s]), "channel": "text",
                        "outcome": "asked", "client_id": client_id}  # fmt: skip
                answer = _timed(series["outcome"], lock, _outcome, clients, s, body)
                if answer is not None:
                    with lock:
                        if answer["duplicate"]:
                            written.duplicates_answered += 1
                        else:
                            written.outcomes.add(f"{s}:{client_id}")
            else:
                s = rnd.choice(readers)
                _timed(series["read"], lock, _read, clients, s)

    def upload_loop() -> None:
        consented: set[str] = set()
        for s in itertools.cycle(uploaders):
            next_at = time.monotonic() + UPLOAD_EVERY
            if next_at > stop:
                return
            if s not in consented:
                clients.client().post(
                    f"/supporters/{s}/consent",
                    json={"terms_version": CURRENT_TERMS},
                    headers=clients.auth(s),
                ).raise_for_status()
                consented.add(s)
            answer = _timed(series["upload"], lock, _upload, clients, s, files[s])
            if answer is not None:
                with lock:
                    written.uploads.append((s, str(answer["job_id"])))
                    if answer.get("rank_job_id"):
                        written.reranks.append(str(answer["rank_job_id"]))
            time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    if mixed and uploaders:
        threads.append(threading.Thread(target=upload_loop))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    for s in series.values():
        s.wall = took
    return Run(seconds=took, series=series, written=written)


@dataclass
class Stored:
    """What the graph holds of what the API acknowledged."""

    outcomes_acked: int
    outcomes_found: int
    outcomes_missing: int
    outcomes_doubled: int
    uploads_acked: int
    jobs_by_status: dict[str, int]
    reranks_by_status: dict[str, int]
    supporters_checked: int
    friends_mismatched: list[str]


def _count(driver: Any, written: Written, jobs: dict[str, Any], reranks: dict[str, Any]) -> Stored:
    from graph.contacts import supporter_counts
    from graph.db.run import read

    ids = [str(r["id"]) for r in read(driver, BENCH_ASKED_IDS)]
    seen: dict[str, int] = defaultdict(int)
    for i in ids:
        seen[i] += 1
    by_status: dict[str, int] = defaultdict(int)
    for job in jobs.values():
        by_status[job.status] += 1
    rerank_status: dict[str, int] = defaultdict(int)
    for job in reranks.values():
        rerank_status[job.status] += 1
    last_job: dict[str, Any] = {}
    for supporter, job_id in written.uploads:
        last_job[supporter] = jobs[job_id]  # uploads of one supporter came in order
    mismatched = []
    for supporter, job in last_job.items():
        friends = int(supporter_counts(driver, supporter)["friends"])
        wrote = int(job.counts.get("written", -1))
        if job.status != "succeeded" or friends != wrote:
            mismatched.append(f"{supporter}: job {job.status} wrote {wrote}, graph has {friends}")
    return Stored(
        outcomes_acked=len(written.outcomes),
        outcomes_found=sum(1 for i in written.outcomes if seen.get(i)),
        outcomes_missing=sum(1 for i in written.outcomes if not seen.get(i)),
        outcomes_doubled=sum(1 for i in written.outcomes if seen.get(i, 0) > 1),
        uploads_acked=len(written.uploads),
        jobs_by_status=dict(by_status),
        reranks_by_status=dict(rerank_status),
        supporters_checked=len(last_job),
        friends_mismatched=mismatched,
    )


def _print(
    report: Report,
    scale_name: str,
    minutes: float,
    baseline: Run,
    mixed: Run,
    stored: Stored,
    drain_s: float,
) -> None:
    report.heading(f"Sustained load, {minutes:g} minutes ({scale_name})")
    report.note(
        f"{CLIENTS} client threads (reads, and outcomes 1 in {round(1 / OUTCOME_SHARE)}) and "
        f"an upload every {UPLOAD_EVERY:g}s, against uvicorn (1 process) with a Celery "
        "worker (concurrency 2, embedded broker) and the local graph server, all on "
        "loopback. Baseline: the reads alone from the same clients, just before."
    )
    rows = []
    base = baseline.series["read"]
    for label, run, name in (("baseline (reads only)", baseline, "read"),
                             ("mixed: list reads", mixed, "read"),
                             ("mixed: outcome writes", mixed, "outcome"),
                             ("mixed: uploads", mixed, "upload")):  # fmt: skip
        s = run.series[name]
        ok = s.seconds
        rows.append(
            [
                label,
                fmt_int(s.calls),
                fmt_int(s.errors),
                fmt_pct(s.errors / s.calls if s.calls else 0.0),
                f"{len(ok) / run.seconds:.1f}/s",
                fmt_ms(percentile(ok, 50)) if ok else "-",
                fmt_ms(percentile(ok, 99)) if ok else "-",
                fmt_ratio(ratio(percentile(ok, 50), percentile(base.seconds, 50)))
                if ok and name == "read" and base.seconds
                else "",
            ]
        )
    report.table(
        "requests",
        [
            "series",
            "calls",
            "errors",
            "error rate",
            "answered",
            "p50 ms",
            "p99 ms",
            "p50 vs baseline",
        ],
        rows,
    )
    total_calls = sum(s.calls for s in mixed.series.values())
    total_errors = sum(s.errors for s in mixed.series.values())
    report.note(
        f"mixed run: {fmt_int(total_calls)} requests in {mixed.seconds:.0f}s, "
        f"{fmt_int(total_errors)} errors ({fmt_pct(total_errors / max(1, total_calls))}); "
        f"upload jobs drained {drain_s:.0f}s after the run"
    )
    for s in mixed.series.values():
        for example in s.error_examples:
            report.note(f"error ({s.name}): {example}")
    report.table(
        "acknowledged writes, counted in the graph",
        ["write", "acknowledged", "stored", "missing", "doubled / wrong"],
        [
            [
                "outcomes (ASKED edges by id)",
                fmt_int(stored.outcomes_acked),
                fmt_int(stored.outcomes_found),
                fmt_int(stored.outcomes_missing),
                fmt_int(stored.outcomes_doubled),
            ],
            [
                "uploads (jobs succeeded)",
                fmt_int(stored.uploads_acked),
                fmt_int(stored.jobs_by_status.get("succeeded", 0)),
                fmt_int(stored.uploads_acked - stored.jobs_by_status.get("succeeded", 0)),
                "",
            ],
            [
                "re-ranks after the uploads (succeeded)",
                fmt_int(len(mixed.written.reranks)),
                fmt_int(stored.reranks_by_status.get("succeeded", 0)),
                fmt_int(len(mixed.written.reranks) - stored.reranks_by_status.get("succeeded", 0)),
                "",
            ],
            [
                "uploaders' friends = job's written",
                fmt_int(stored.supporters_checked),
                fmt_int(stored.supporters_checked - len(stored.friends_mismatched)),
                "",
                fmt_int(len(stored.friends_mismatched)),
            ],
        ],
    )
    report.note(
        f"upload jobs by status: {dict(sorted(stored.jobs_by_status.items()))}; their re-ranks: "
        f"{dict(sorted(stored.reranks_by_status.items()))}"
    )
    for line in stored.friends_mismatched[:5]:
        report.note(f"mismatch: {line}")
    report.note(
        f"{mixed.written.duplicates_answered} outcomes answered as duplicates (none expected)"
    )
