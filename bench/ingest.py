"""Ingest throughput, stage by stage, against the bare driver's ceiling; and the worker's memory.

Seeded demo data (``outreach.demo.generate``): a voter file and one contact upload per
supporter in the four upload formats in turn (CSV, Google CSV, vCard, JSON).

* **Voters**: ``ingest.voters_job.ingest_voters`` on the whole file. Stages: parse, map
  and normalize (the reading thread) and write (``graph.voters.upsert_voters``, the
  writing thread); they overlap, so end to end is the wall time, less than their sum.
  Then the place area codes are counted again (``refresh_place_areas``), after the writes.
* **Contacts**: ``ingest.contacts_job.ingest_upload`` for each upload in turn. Stages:
  read and normalize (decode, parse, normalize, merge duplicates, keyed hashes), link
  (candidate look-ups in the graph by each blocking key, and the area codes of the
  places of the chunk's contacts and candidates; the job's default linker scoring
  and deciding; the friend rows built from its decisions), write
  (``graph.contacts.write_friends``) and bookkeeping (consent check, the ``Upload`` node).
* **Roster**: ``graph.supporters.upsert_supporters`` for a few new supporters with a
  voter id, then as many without one, on the loaded voter file (the supporters of the
  main run are created by their consent, as the API does).
* **Ceiling**: the same final rows written by the bare neo4j driver with the product's own
  Cypher (``UPSERT_VOTERS``; ``WRITE_KNOWS``, ``WRITE_MATCHES``, ``WRITE_CANDIDATES``), one
  managed transaction per batch as the product does, rows built beforehand, into a second,
  equally fresh database on the same server. The voter job reads the next chunk while it
  writes the last (two threads), so the voters' ceiling runs after the job, on the same
  rows rebuilt from the file; each upload's ceiling runs right after the upload. A
  warm-up writes the first voters into a third database before anything is timed. End to
  end is shown as a share of the ceiling.
* **Memory**: the ingest runs in a spawned child process (the worker); its peak RSS is
  Linux's high-water mark (``VmHWM``). The voter file is ingested at two sizes, one ten times the
  other (the main run and a prefix of the same file), and so is one contact upload.

The stages are timed by wrapping the names the job modules look up (``patched``), so the
product's own code runs unchanged.
"""

from __future__ import annotations

import csv
import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    BenchEnv,
    Report,
    Stages,
    console,
    count_driver_retries,
    create_database,
    fmt_int,
    fmt_mib,
    fmt_pct,
    fmt_rate,
    fmt_ratio,
    fmt_s,
    graph_server,
    init_schema_on,
    patched,
    peak_rss_bytes,
    ratio,
    rss_bytes,
    run_in_child,
    timed_stages,
)

CEILING_DB = "ceiling"
# Bench-only Cypher: supporter nodes for the ceiling's database (the product makes them
# when a supporter consents).
BENCH_MERGE_SUPPORTERS = "UNWIND $ids AS id MERGE (:Supporter {id: id})"
SCRATCH_DB = "scratch"
WARMUP_DB = "warmup"
WARMUP_VOTERS = 50_000
FORMATS = ("csv", "google", "vcf", "json")
ROSTER_PROBE = 10  # supporters upserted with, and then without, a voter id


@dataclass(frozen=True)
class Scale:
    """Input sizes of one scale."""

    voters: int
    supporters: int
    contacts_mean: int
    contacts_budget_s: float  # stop starting new uploads after this much product+ceiling time
    upload_small: int  # contacts in the smaller single upload of the memory run


SCALES = {
    "small": Scale(voters=50_000, supporters=250, contacts_mean=200, contacts_budget_s=600,
                   upload_small=500),
    "full": Scale(voters=1_000_000, supporters=5_000, contacts_mean=200, contacts_budget_s=480,
                  upload_small=1_000),
}  # fmt: skip


# --------------------------------------------------------------------------- the bare ceiling


def _bare_batches(
    driver: Any, database: str, query: Any, chunks: list[dict[str, Any]], stages: Stages, stage: str
) -> None:
    """Run ``query`` once per prepared parameter set, one managed write transaction each."""
    with stages.time(stage), driver.session(database=database) as session:
        for params in chunks:
            session.execute_write(lambda tx, p=params: tx.run(query, p).consume())


def _ceiling_friend_chunks(call: dict[str, Any], batch: int) -> list[list[tuple[Any, dict]]]:
    """The statements ``write_friends`` runs for one upload, with parameters, batch by batch."""
    from graph.contacts import WRITE_CANDIDATES, WRITE_KNOWS, WRITE_MATCHES

    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in call["matches"]:
        by_key.setdefault(row["key"], []).append(row)
    cand_by_key: dict[str, list[dict[str, Any]]] = {}
    for row in call["candidates"]:
        cand_by_key.setdefault(row["key"], []).append(row)
    base = {"supporter_id": call["supporter_id"], "upload_id": call["upload_id"]}
    out = []
    knows = call["knows"]
    for start in range(0, len(knows), batch):
        chunk = knows[start : start + batch]
        keys = [r["key"] for r in chunk]
        statements: list[tuple[Any, dict]] = [(WRITE_KNOWS, {"rows": chunk, **base})]
        matches = [m for k in keys for m in by_key.get(k, [])]
        if matches:
            statements.append((WRITE_MATCHES, {"rows": matches}))
        cands = [c for k in keys for c in cand_by_key.get(k, [])]
        if cands:
            statements.append((WRITE_CANDIDATES, {"rows": cands, **base}))
        out.append(statements)
    return out


def _bare_friends(
    driver: Any, database: str, chunks: list[list[tuple[Any, dict]]], stages: Stages
) -> None:
    """One transaction per batch running the prepared statements, as ``write_friends`` does."""

    def work(tx: Any, statements: list[tuple[Any, dict]]) -> None:
        for query, params in statements:
            tx.run(query, params).consume()

    with stages.time("contacts"), driver.session(database=database) as session:
        for statements in chunks:
            session.execute_write(work, statements)


def bare_voter_writes(
    driver: Any,
    voters_csv: Path,
    database: str,
    stages: Stages,
    stage: str,
    *,
    secret: str,
    batch: int,
    chunks: int | None = None,
) -> None:
    """The bare driver writing the file's voter rows into ``database``, 10,000 at a time.

    The rows are built as the job builds them (the same file and secret make the same
    rows); only the writes are timed, under ``stage``. ``chunks`` stops after that many.
    """
    from graph.voters import UPSERT_VOTERS
    from ingest.mapping import load_mapping
    from ingest.readers.voters import iter_voter_chunks
    from ingest.voters_job import voter_row

    read = iter_voter_chunks(voters_csv, load_mapping("demo"), chunk_size=10_000)
    for chunk in itertools.islice(read, chunks):
        rows = [voter_row(record, secret=secret) for record in chunk.records]
        params = [{"rows": rows[i : i + batch]} for i in range(0, len(rows), batch)]
        _bare_batches(driver, database, UPSERT_VOTERS, params, stages, stage)


def warm_up(driver: Any, voters_csv: Path) -> None:
    """Write the first voters into a database of their own before anything is timed.

    A fresh server compiles its write path while it runs: it writes its first 50,000
    voters at half the rate of the next 50,000 and is steady from there. Without this the
    first timed writes, the product's or the ceiling's, would pay for it.
    """
    bare_voter_writes(driver, voters_csv, WARMUP_DB, Stages(), "warm-up", secret="warm-up",
                      batch=2000, chunks=WARMUP_VOTERS // 10_000)  # fmt: skip


# --------------------------------------------------------------------------- the worker (child)


class _TimedLinker:
    """A linker whose ``link`` calls are timed; everything else is the wrapped linker's."""

    def __init__(self, inner: Any, stages: Stages) -> None:
        self._inner = inner
        self._stages = stages

    def link(self, contacts: Any, voters: Any, **options: Any) -> Any:
        with self._stages.time("link: decide"):
            return self._inner.link(contacts, voters, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _timed_linker_factory(factory: Any, stages: Stages) -> Any:
    """``factory`` (the job's default linker maker), returning linkers whose work is timed."""

    def make(*args: Any, **kwargs: Any) -> _TimedLinker:
        return _TimedLinker(factory(*args, **kwargs), stages)

    return make


def worker_main(job: dict[str, Any]) -> dict[str, Any]:
    """The main run, in a spawned child: voters, then contacts, each with its ceiling."""
    import resource

    import ingest.voters_job as voters_job
    from graph.db.driver import create_driver
    from outreach.core.settings import get_settings

    settings = get_settings()
    batch = settings.graph_write_batch
    retries = count_driver_retries()
    driver = create_driver(settings)
    rss_start = rss_bytes()
    out: dict[str, Any] = {"rss_start": rss_start, "batch": batch}

    # ---- voters: the product's run, then the ceiling on the same rows (the job overlaps
    # reading and writing in two threads, so the ceiling cannot run in between).
    stages, ceiling = Stages(), Stages()
    real_upsert = voters_job.upsert_voters

    def timed_upsert(drv: Any, rows: list[dict[str, Any]], *, batch_size: int) -> int:
        with stages.time("write"):
            return real_upsert(drv, rows, batch_size=batch_size)

    real_iter = voters_job.iter_voter_chunks

    def timed_iter(*args: Any, **kwargs: Any) -> Any:
        return stages.wrap_iter(real_iter(*args, **kwargs), "parse")

    real_places = voters_job.refresh_place_areas

    def timed_places(drv: Any, places: set[str], *, batch_size: int) -> int:
        with stages.time("places"):
            return real_places(drv, places, batch_size=batch_size)

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    timed = {"upsert_voters": timed_upsert, "iter_voter_chunks": timed_iter,
             "refresh_place_areas": timed_places}  # fmt: skip
    with patched(voters_job, timed):
        counts = voters_job.ingest_voters(
            driver, path=Path(job["voters_csv"]), mapping="demo", settings=settings
        )
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    voters_peak = peak_rss_bytes()
    # The ceiling: the same rows, written by the bare driver into its own database.
    bare_voter_writes(driver, Path(job["voters_csv"]), CEILING_DB, ceiling, "voters",
                      secret=settings.secret_key.get_secret_value(),
                      batch=settings.graph_write_batch)  # fmt: skip
    out["voters"] = {
        "counts": counts,
        "wall": wall,
        "e2e": wall,
        "stages": dict(stages.seconds),
        "ceiling": ceiling.seconds["voters"],
        "cpu": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "peak_rss": voters_peak,
    }

    # Imported only now, so the voter run's memory is not charged for the linker's imports.
    import ingest.contacts_job as contacts_job
    from graph.supporters import record_consent
    from outreach.core.partition import partition_of
    from outreach.usecases.consent import CURRENT_TERMS

    # ---- the roster: upsert_supporters with and without a voter id, on the loaded file
    out["roster"] = roster_probe(driver, Path(job["voters_csv"]), job["roster_probe"])

    # ---- supporters: consent (before each upload, not timed) makes them in the product's
    # database; the ceiling's database gets the same ids with a bare MERGE.
    ids = [Path(p).name.split(".")[0] for p in job["uploads"]]
    _bare_batches(driver, CEILING_DB, BENCH_MERGE_SUPPORTERS,
                  [{"ids": ids[i : i + batch]} for i in range(0, len(ids), batch)],
                  Stages(), "supporters")  # fmt: skip

    # ---- contacts
    stages, ceiling = Stages(), Stages()
    lookups: dict[str, float] = {"calls": 0, "rows": 0, "seconds": 0.0}
    real_find = contacts_job.find_candidates

    def timed_find(drv: Any, keys: Any) -> Any:
        t0 = time.perf_counter()
        found = real_find(drv, keys)
        lookups["seconds"] += time.perf_counter() - t0
        lookups["calls"] += 1
        lookups["rows"] += len(found)
        for kind in ("phones", "emails", "names_in_state", "names", "surnames"):
            lookups[kind] = lookups.get(kind, 0) + len(getattr(keys, kind))
        return found

    captured: list[dict[str, Any]] = []
    real_write = contacts_job.write_friends

    def write_and_capture(drv: Any, **kwargs: Any) -> int:
        captured.append(kwargs)
        with stages.time("write"):
            return real_write(drv, **kwargs)

    replacements = timed_stages(
        contacts_job,
        stages,
        {
            "read_contacts": "read+normalize",
            "merge_duplicates": "read+normalize",
            "keyed": "read+normalize",
            "fetch_voters": "link: look-ups",
            "place_areas": "link: look-ups",
            "record_upload": "bookkeeping",
            "consent_version": "bookkeeping",
        },
    )
    replacements["find_candidates"] = timed_find
    replacements["write_friends"] = write_and_capture
    for factory in ("default_linker", "ExactLinker"):
        if hasattr(contacts_job, factory):
            replacements[factory] = _timed_linker_factory(getattr(contacts_job, factory), stages)

    totals = {"uploads": 0, "read": 0, "normalized": 0, "linked": 0, "candidates": 0,
              "written": 0, "matches": 0, "e2e": 0.0}  # fmt: skip
    by_format: dict[str, list[float]] = {}
    budget = float(job["contacts_budget_s"])
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    files = [Path(p) for p in job["uploads"]]
    with patched(contacts_job, replacements):
        for path in files:
            if totals["e2e"] + ceiling.seconds["contacts"] >= budget:
                break
            supporter_id = path.name.split(".")[0]
            record_consent(driver, supporter_id=supporter_id, version=CURRENT_TERMS,
                           partition=partition_of(supporter_id))  # fmt: skip
            data = path.read_bytes()
            captured.clear()
            t0 = time.perf_counter()
            result = contacts_job.ingest_upload(
                driver, supporter_id=supporter_id, upload_id=f"up-{supporter_id}", data=data,
                filename=path.name, consent=CURRENT_TERMS, settings=settings,
            )  # fmt: skip
            took = time.perf_counter() - t0
            for call in captured:
                chunks = _ceiling_friend_chunks(call, call["batch_size"])
                _bare_friends(driver, CEILING_DB, chunks, ceiling)
                totals["matches"] += len(call["matches"])
            totals["e2e"] += took
            totals["uploads"] += 1
            for key in ("read", "normalized", "linked", "candidates", "written"):
                totals[key] += int(result.counts.get(key, 0))
            entry = by_format.setdefault(result.format, [0, 0.0])
            entry[0] += int(result.counts.get("read", 0))
            entry[1] += took
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out["contacts"] = {
        "totals": totals,
        "uploads_available": len(files),
        "stages": dict(stages.seconds),
        "ceiling": ceiling.seconds["contacts"],
        "lookups": lookups,
        "by_format": by_format,
        "cpu": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
    }
    out["retries"] = retries.count
    driver.close()
    return out


def roster_probe(driver: Any, voters_csv: Path, count: int) -> dict[str, Any]:
    """Seconds per supporter for ``graph.supporters.upsert_supporters`` with and without a voter id.

    Same batch size, same graph; the ids are new, so both create their supporters.
    """
    from graph.supporters import upsert_supporters

    with voters_csv.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        voter_ids = [row["voter_id"] for row in itertools.islice(reader, count)]

    def rows(tag: str, ids: list[str | None]) -> list[dict[str, Any]]:
        return [
            {"id": f"bench-roster-{tag}-{i}", "voter_id": vid,
             "props": {"first_name": "Probe", "state": None, "partition": 0, "voter_id": vid}}
            for i, vid in enumerate(ids)
        ]  # fmt: skip

    timings = {}
    for tag, ids in (("with", list(voter_ids)), ("without", [None] * count)):
        t0 = time.perf_counter()
        upsert_supporters(driver, rows(tag, ids), batch_size=count)
        timings[tag] = time.perf_counter() - t0
    return {"count": count, **timings}


def voters_memory(path: str, database: str) -> dict[str, Any]:
    """In a spawned child: ingest a voter file into ``database``; peak RSS and time."""
    import os

    os.environ["OUTREACH_GRAPH_DATABASE"] = database
    from graph.db.driver import create_driver
    from ingest.voters_job import ingest_voters
    from outreach.core.settings import get_settings

    settings = get_settings()
    driver = create_driver(settings)
    start_rss = rss_bytes()
    t0 = time.perf_counter()
    counts = ingest_voters(driver, path=Path(path), mapping="demo", settings=settings)
    took = time.perf_counter() - t0
    driver.close()
    return {"rows": counts["read"], "seconds": took, "rss_start": start_rss,
            "peak_rss": peak_rss_bytes()}  # fmt: skip


def upload_memory(path: str, supporter_id: str) -> dict[str, Any]:
    """In a spawned child: one supporter's upload, start to end; peak RSS and time."""
    from graph.db.driver import create_driver
    from graph.supporters import record_consent
    from ingest.contacts_job import ingest_upload
    from outreach.core.partition import partition_of
    from outreach.core.settings import get_settings
    from outreach.usecases.consent import CURRENT_TERMS

    settings = get_settings()
    driver = create_driver(settings)
    record_consent(driver, supporter_id=supporter_id, version=CURRENT_TERMS,
                   partition=partition_of(supporter_id))  # fmt: skip
    data = Path(path).read_bytes()
    start_rss = rss_bytes()
    t0 = time.perf_counter()
    result = ingest_upload(driver, supporter_id=supporter_id, upload_id=f"mem-{supporter_id}",
                           data=data, filename=Path(path).name, consent=CURRENT_TERMS,
                           settings=settings)  # fmt: skip
    took = time.perf_counter() - t0
    driver.close()
    return {"rows": result.counts["read"], "seconds": took, "rss_start": start_rss,
            "peak_rss": peak_rss_bytes(), "bytes": len(data)}  # fmt: skip


# --------------------------------------------------------------------------- inputs


def _voters_prefix(source: Path, target: Path, rows: int) -> None:
    """The header and the first ``rows`` voters of ``source``."""
    with source.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
        for line in itertools.islice(src, rows + 1):
            dst.write(line)


def _csv_upload(uploads: list[Path], target: Path, rows: int) -> int:
    """One CSV upload of ``rows`` contacts, drawn from the demo's CSV uploads in order."""
    written = 0
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        header_done = False
        for path in uploads:
            with path.open(newline="", encoding="utf-8") as src:
                reader = csv.reader(src)
                header = next(reader)
                if not header_done:
                    writer.writerow(header)
                    header_done = True
                for row in reader:
                    writer.writerow(row)
                    written += 1
                    if written >= rows:
                        return written
    return written


# --------------------------------------------------------------------------- the suite


def run(env: BenchEnv, scale_name: str, report: Report) -> None:
    """Generate data, run the worker and the memory runs, print the tables."""
    from graph.db.schema import init_schema
    from outreach.demo import generate

    scale = SCALES[scale_name]
    t0 = time.perf_counter()
    manifest = generate(env.files_dir / "demo", seed=2026, voters=scale.voters,
                        supporters=scale.supporters, contacts_mean=scale.contacts_mean,
                        formats=FORMATS)  # fmt: skip
    gen_s = time.perf_counter() - t0
    uploads = [manifest.contact_files[s] for s in sorted(manifest.contact_files)]
    console.print(
        f"generated {fmt_int(manifest.counts['voters'])} voters, "
        f"{fmt_int(manifest.counts['contacts'])} contacts in {len(uploads)} uploads "
        f"in {gen_s:.0f}s"
    )
    small_voters = env.files_dir / "voters-tenth.csv"
    _voters_prefix(manifest.voters_csv, small_voters, scale.voters // 10)
    csv_uploads = [p for p in uploads if p.suffix == ".csv" and not p.name.endswith(".google.csv")]
    upload_1x = env.files_dir / "upload-1x.csv"
    upload_10x = env.files_dir / "upload-10x.csv"
    _csv_upload(csv_uploads, upload_1x, scale.upload_small)
    _csv_upload(csv_uploads, upload_10x, scale.upload_small * 10)

    with graph_server(env) as graph:
        init_schema(graph.driver)
        for name in (CEILING_DB, SCRATCH_DB, WARMUP_DB):
            create_database(name)
            init_schema_on(graph.driver, name)
        warm_up(graph.driver, manifest.voters_csv)
        job = {
            "voters_csv": str(manifest.voters_csv),
            "supporters_csv": str(manifest.supporters_csv),
            "uploads": [str(p) for p in uploads],
            "contacts_budget_s": scale.contacts_budget_s,
            "roster_probe": ROSTER_PROBE,
        }
        console.print(
            "worker: voters, then their ceiling; then contacts, each upload followed by its ceiling"
        )
        server_cpu0 = graph.server_cpu_seconds()
        main = run_in_child(worker_main, job)
        server_cpu = graph.server_cpu_seconds() - server_cpu0
        console.print("memory: voters at a tenth of the size, then two single uploads")
        mem_voters = run_in_child(voters_memory, str(small_voters), SCRATCH_DB)
        mem_up_1 = run_in_child(upload_memory, str(upload_1x), "bench-mem-1x")
        mem_up_10 = run_in_child(upload_memory, str(upload_10x), "bench-mem-10x")

    with manifest.supporters_csv.open(encoding="utf-8") as fh:
        roster = list(csv.DictReader(fh))
    main["roster"]["in_file"] = len(roster)
    main["roster"]["missing_in_file"] = sum(1 for r in roster if not r["voter_id"].strip())
    _print(report, scale_name, manifest.counts, main, mem_voters, mem_up_1, mem_up_10, server_cpu)


def _print(
    report: Report,
    scale_name: str,
    generated: dict[str, int],
    main: dict[str, Any],
    mem_voters: dict[str, Any],
    mem_up_1: dict[str, Any],
    mem_up_10: dict[str, Any],
    server_cpu: float,
) -> None:
    v, c = main["voters"], main["contacts"]
    vrows = int(v["counts"]["read"])
    ct = c["totals"]
    crows = int(ct["read"])
    v_e2e, c_e2e = float(v["e2e"]), float(ct["e2e"])
    v_ceiling, c_ceiling = float(v["ceiling"]), float(c["ceiling"])
    vs, cs = v["stages"], c["stages"]
    v_write = float(vs.get("write", 0.0))
    v_parse = float(vs.get("parse", 0.0))

    report.heading(f"Ingest ({scale_name})")
    cols = ["input / stage", "rows", "seconds", "rows/s", "share of end to end", "x ceiling rate"]

    def line(label: str, rows: int, seconds: float, e2e: float, ceiling: float) -> list[str]:
        speed = ratio(rows / seconds, rows / ceiling) if seconds > 0 and ceiling > 0 else 0
        return [label, fmt_int(rows), fmt_s(seconds), fmt_rate(rows, seconds),
                fmt_pct(ratio(seconds, e2e)), fmt_ratio(speed)]  # fmt: skip

    table = [
        line("voters: parse, map, normalize (reading thread)", vrows, v_parse, v_e2e, v_ceiling),
        ["voters: link", "-", "-", "-", "-", "-"],
        line("voters: write (upsert_voters, writing thread)", vrows, v_write, v_e2e, v_ceiling),
        line("voters: place area codes (refresh_place_areas, after the writes)", vrows,
             float(vs.get("places", 0.0)), v_e2e, v_ceiling),
        line("voters: end to end (wall; the two threads overlap)", vrows, v_e2e, v_e2e,
             v_ceiling),
        line("voters: ceiling, bare driver UNWIND", vrows, v_ceiling, v_e2e, v_ceiling),
    ]  # fmt: skip
    named = ("read+normalize", "link: look-ups", "link: decide", "write", "bookkeeping")
    c_other = c_e2e - sum(float(cs.get(n, 0.0)) for n in named)
    link_total = float(cs.get("link: look-ups", 0.0)) + float(cs.get("link: decide", 0.0))
    table += [
        line("contacts: read+normalize", crows, float(cs.get("read+normalize", 0.0)), c_e2e,
             c_ceiling),
        line("contacts: link", crows, link_total + c_other, c_e2e, c_ceiling),
        line("  of which candidate look-ups", crows, float(cs.get("link: look-ups", 0.0)), c_e2e,
             c_ceiling),
        line("  of which linker (scoring, decisions)", crows, float(cs.get("link: decide", 0.0)),
             c_e2e, c_ceiling),
        line("  of which friend rows", crows, c_other, c_e2e, c_ceiling),
        line("contacts: write (write_friends)", crows, float(cs.get("write", 0.0)), c_e2e,
             c_ceiling),
        line("contacts: bookkeeping", crows, float(cs.get("bookkeeping", 0.0)), c_e2e, c_ceiling),
        line("contacts: end to end", crows, c_e2e, c_e2e, c_ceiling),
        line("contacts: ceiling, bare driver UNWIND", crows, c_ceiling, c_e2e, c_ceiling),
    ]  # fmt: skip
    uploads_note = (
        f"all {ct['uploads']} uploads"
        if ct["uploads"] >= c["uploads_available"]
        else f"the first {ct['uploads']} of {c['uploads_available']} uploads (the time budget "
        f"ran out; the generated set holds {fmt_int(generated['contacts'])} contacts)"
    )
    report.table(
        f"Throughput: {fmt_int(vrows)} voters; {fmt_int(crows)} contacts from {uploads_note}",
        cols,
        table,
        notes=[
            f"End to end as a share of the ceiling: voters {fmt_pct(ratio(v_ceiling, v_e2e))}, "
            f"contacts {fmt_pct(ratio(c_ceiling, c_e2e))} (goal: at least 50%).",
            f"Contacts: {fmt_int(ct['normalized'])} after merging duplicates, "
            f"{fmt_int(ct['linked'])} linked, {fmt_int(ct['written'])} friends written "
            f"({fmt_int(ct['matches'])} MATCHES rows); rows/s counts contacts read.",
            f"CPU: worker {v['cpu']:.0f}s (voters) + {c['cpu']:.0f}s (contacts), graph server "
            f"{server_cpu:.0f}s, over {v['wall'] + ct['e2e'] + c_ceiling:.0f}s of wall time "
            f"(ceiling included). Transient conflicts retried by the driver: {main['retries']}.",
        ],
    )

    lookups = c["lookups"]
    kinds = ("phones", "emails", "names_in_state", "names", "surnames")
    report.table(
        "Contacts: candidate look-ups (graph.voters.find_candidates, one query per chunk)",
        ["look-ups", *[f"{k.replace('_', ' ')} sent" for k in kinds], "voters back",
         "voters per contact", "seconds", "share of end to end"],
        [[fmt_int(lookups["calls"]), *[fmt_int(lookups.get(k, 0)) for k in kinds],
          fmt_int(lookups["rows"]), f"{ratio(lookups['rows'], ct['normalized']):.1f}",
          fmt_s(lookups["seconds"]), fmt_pct(ratio(lookups["seconds"], c_e2e))]],
        notes=[
            f"{fmt_int(generated['voters'])} voters in the graph. Phones include each "
            "number with one pair of adjacent digits swapped (only for contacts without a "
            "name); names in state are first|last|STATE, names first|last anywhere (contacts "
            "without a state); surnames last|STATE|initial, for contacts whose name found no one."
        ],
    )  # fmt: skip

    r = main["roster"]
    per_with, per_without = r["with"] / r["count"], r["without"] / r["count"]
    report.table(
        f"Roster: graph.supporters.upsert_supporters, {r['count']} new supporters each way, "
        f"{fmt_int(generated['voters'])} voters in the graph",
        ["supporters", "seconds per supporter", "x with a voter id"],
        [
            ["with a voter id", f"{per_with:.4f}", "1.00x"],
            ["without a voter id", f"{per_without:.4f}", fmt_ratio(ratio(per_without, per_with))],
        ],
        notes=[
            f"The generated roster has {r['missing_in_file']} of {r['in_file']} supporters "
            "without a voter id (this run creates its supporters by their consent instead)."
        ],
    )

    formats = c["by_format"]
    report.table(
        "Contacts end to end by upload format",
        ["format", "contacts", "seconds", "contacts/s", "x all formats"],
        [
            [fmt, fmt_int(n), fmt_s(s), fmt_rate(n, s), fmt_ratio(ratio(n / s, crows / c_e2e))]
            for fmt, (n, s) in sorted(formats.items())
            if s > 0
        ],
    )

    def mem_row(label: str, m: dict[str, Any], base: dict[str, Any]) -> list[str]:
        return [label, fmt_int(m["rows"]), fmt_mib(m["rss_start"]), fmt_mib(m["peak_rss"]),
                fmt_mib(m["peak_rss"] - m["rss_start"]),
                fmt_ratio(ratio(m["peak_rss"], base["peak_rss"]))]  # fmt: skip

    v_main = {"rows": vrows, "rss_start": main["rss_start"], "peak_rss": v["peak_rss"]}
    report.table(
        "Worker peak memory (RSS of a spawned child running the ingest)",
        ["run", "rows", "RSS at start", "peak RSS", "peak - start", "peak x smaller run"],
        [
            mem_row("voter file, 1x", mem_voters, mem_voters),
            mem_row("voter file, 10x", v_main, mem_voters),
            mem_row("one upload, 1x", mem_up_1, mem_up_1),
            mem_row("one upload, 10x", mem_up_10, mem_up_1),
        ],
        notes=[
            "Goal: about the same peak at both sizes. The 10x voter run is the main run "
            "above; the 1x run is its first tenth, into an empty database of its own.",
            f"Uploads: {fmt_int(mem_up_1['bytes'])} and {fmt_int(mem_up_10['bytes'])} bytes of "
            f"CSV, {fmt_s(mem_up_1['seconds'])}s and {fmt_s(mem_up_10['seconds'])}s.",
        ],
    )
