"""What every benchmark shares: its own graph server, stage timers, memory, statistics, tables.

Each suite runs against a local Bolt server of its own, in a fresh data folder and on
ports nobody else uses, and stops it at the end. ``prepare_env`` must run before any
project code reads its settings; it sets the ``OUTREACH_*`` variables for this process
and for every child process the suite starts.

The machine the benchmarks run on is shared and noisy, so no figure stands alone: every
table pairs a measurement with a baseline measured in the same run (the bare driver
doing the same graph work, the smaller input, the read alone) and prints the ratio.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
import resource
import shutil
import socket
import statistics
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import numpy as np
import psutil
from rich import box
from rich.console import Console
from rich.table import Table

T = TypeVar("T")

SCALES = ("small", "full")
DEFAULT_BOLT_PORT = 17690
DEFAULT_HTTP_PORT = 12490
BENCH_SECRET = "bench"
RESULTS_DIR = Path(__file__).resolve().parent / "results"

console = Console(width=max(160, shutil.get_terminal_size((160, 40)).columns), highlight=False)


# --------------------------------------------------------------------------- environment


@dataclass
class BenchEnv:
    """Where one suite keeps its graph and files, and the ports its server listens on."""

    root: Path
    bolt_port: int
    http_port: int
    owned_root: bool

    @property
    def data_dir(self) -> Path:
        """The ``OUTREACH_DATA_DIR`` of the suite."""
        return self.root / "data"

    @property
    def files_dir(self) -> Path:
        """Generated input files."""
        return self.root / "files"

    def cleanup(self, *, keep: bool) -> None:
        """Delete the suite's folder unless asked to keep it (or it was given by the caller)."""
        if keep or not self.owned_root:
            console.print(f"[dim]bench data kept in {self.root}[/]")
            return
        shutil.rmtree(self.root, ignore_errors=True)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else a port the OS picks."""
    if _port_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_env(suite: str) -> BenchEnv:
    """Point this process (and its children) at a private data folder, ports and secrets.

    ``OUTREACH_BENCH_DIR`` chooses the folder (kept afterwards); by default a fresh
    temporary one is made and removed at the end. ``OUTREACH_BENCH_BOLT_PORT`` and
    ``OUTREACH_BENCH_HTTP_PORT`` choose the ports; by default 17690 and 12490, or free
    ones when those are taken, so a developer's server is never touched.
    """
    given = os.environ.get("OUTREACH_BENCH_DIR")
    if given:
        root = Path(given).resolve() / suite
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        root = Path(tempfile.mkdtemp(prefix=f"outreach-bench-{suite}-"))
    bolt = free_port(int(os.environ.get("OUTREACH_BENCH_BOLT_PORT", DEFAULT_BOLT_PORT)))
    http = free_port(int(os.environ.get("OUTREACH_BENCH_HTTP_PORT", DEFAULT_HTTP_PORT)))
    if http == bolt:
        http = free_port(0)
    env = BenchEnv(root=root, bolt_port=bolt, http_port=http, owned_root=not given)
    env.data_dir.mkdir(parents=True, exist_ok=True)
    env.files_dir.mkdir(parents=True, exist_ok=True)
    for name in ("OUTREACH_GRAPH_URI", "OUTREACH_BROKER_URL", "OUTREACH_RESULT_BACKEND"):
        os.environ.pop(name, None)
    os.environ.update(
        OUTREACH_ENVIRONMENT="development",
        OUTREACH_DATA_DIR=str(env.data_dir),
        OUTREACH_LOCAL_BOLT_PORT=str(bolt),
        OUTREACH_LOCAL_HTTP_PORT=str(http),
        OUTREACH_GRAPH_DATABASE="outreach",
        OUTREACH_SECRET_KEY=BENCH_SECRET,
        OUTREACH_API_SECRET=BENCH_SECRET,
        OUTREACH_API_PREVIOUS_SECRETS="[]",
        OUTREACH_LOG_LEVEL="WARNING",
    )
    from outreach.core.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    if not settings.uses_local_graph:
        raise SystemExit("the benchmarks need the local graph server: OUTREACH_GRAPH_URI is set")
    return env


@dataclass
class Graph:
    """The suite's running graph: a driver and the server process's id."""

    driver: Any
    server_pid: int

    def server_cpu_seconds(self) -> float:
        """CPU seconds the graph server process has used so far."""
        times = psutil.Process(self.server_pid).cpu_times()
        return float(times.user + times.system)


@contextmanager
def graph_server(env: BenchEnv) -> Iterator[Graph]:
    """Start the suite's own local Bolt server, yield it with a driver, and stop it after."""
    from graph.db.driver import create_driver
    from graph.db.local_server import ensure_running
    from outreach.core.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    handle = ensure_running(settings)
    if handle.process is None:
        raise SystemExit(
            f"a graph server already answers on port {env.bolt_port}; the benchmarks "
            "only use a server they start themselves"
        )
    console.print(
        f"[dim]graph server on bolt://127.0.0.1:{env.bolt_port} (data in {env.data_dir}), "
        f"ready in {time.perf_counter() - started:.1f}s[/]"
    )
    driver = create_driver(settings)
    try:
        yield Graph(driver=driver, server_pid=handle.process.pid)
    finally:
        driver.close()
        handle.stop()


def create_database(name: str) -> None:
    """Create another database on the suite's local server (bench-only; ArcadeDB's HTTP API).

    The ingest ceiling and the memory runs write into databases of their own on the same
    server, so that they create nodes as the product does instead of finding them.
    """
    from outreach.core.settings import get_settings

    settings = get_settings()
    user = settings.graph_user
    password = settings.graph_password.get_secret_value()
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.local_http_port}/api/v1/server",
        data=json.dumps({"command": f"create database {name}"}).encode(),
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read() or b"{}")
    if answer.get("result") != "ok":
        raise RuntimeError(f"could not create database {name!r}: {answer}")


def init_schema_on(driver: Any, database: str) -> None:
    """The product's constraints and indexes, created on another database of the server."""
    from graph.db.schema import CONSTRAINTS, INDEXES

    for statement in (*CONSTRAINTS, *INDEXES):
        driver.execute_query(statement, database_=database)


# --------------------------------------------------------------------------- timing


@dataclass
class Stages:
    """Seconds and calls accumulated per named stage.

    Stages do not nest: time spent in a timed call made from inside another timed call
    counts once, for the outer one, so the stages of a run add up to at most its wall time.
    """

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _depth: int = 0

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        """Add the wall time of the block to ``name``."""
        if self._depth:
            yield
            return
        self._depth += 1
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start
            self.calls[name] += 1
            self._depth -= 1

    def wrap(self, fn: Callable[..., T], name: str) -> Callable[..., T]:
        """``fn``, timed into ``name`` on every call (cheap enough for per-row functions)."""
        clock = time.perf_counter

        def timed(*args: Any, **kwargs: Any) -> T:
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += clock() - start
                self.calls[name] += 1
                self._depth -= 1

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def wrap_iter(self, items: Iterable[T], name: str) -> Iterator[T]:
        """Yield from ``items``, timing each step into ``name``."""
        iterator = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.seconds[name] += time.perf_counter() - start
                return
            self.seconds[name] += time.perf_counter() - start
            self.calls[name] += 1
            yield item

    def total(self, *names: str) -> float:
        """The summed seconds of the named stages."""
        return sum(self.seconds.get(n, 0.0) for n in names)

    def reset(self) -> None:
        """Forget every stage."""
        self.seconds.clear()
        self.calls.clear()


@contextmanager
def patched(module: ModuleType, replacements: dict[str, Any]) -> Iterator[None]:
    """Replace module attributes for the length of a block (to time product stages in place).

    Product code is never changed: the benchmarks wrap the names a job module looks up,
    so the real code runs and each stage is timed where it is called.
    """
    saved = {name: getattr(module, name) for name in replacements}
    try:
        for name, value in replacements.items():
            setattr(module, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


def timed_stages(module: ModuleType, stages: Stages, names: dict[str, str]) -> dict[str, Any]:
    """Wrappers for the attributes of ``module`` named in ``names`` (attribute -> stage).

    Attributes the module does not have are skipped, so a refactored job still runs.
    """
    return {
        attr: stages.wrap(getattr(module, attr), stage)
        for attr, stage in names.items()
        if hasattr(module, attr)
    }


class DriverRetries(logging.Handler):
    """Counts the neo4j driver's "will be retried" warnings and keeps them off the console.

    The local server fails concurrent writes to the same page with a transient error
    that the driver retries; how often that happens is part of what a run measured.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "retried" in message:
            self.count += 1
            if len(self.samples) < 2:
                self.samples.append(message[:160])


def count_driver_retries() -> DriverRetries:
    """Install (once per process) and return the counter of the driver's retries."""
    logger = logging.getLogger("neo4j")
    for handler in logger.handlers:
        if isinstance(handler, DriverRetries):
            return handler
    handler = DriverRetries()
    logger.addHandler(handler)
    logger.propagate = False
    return handler


# --------------------------------------------------------------------------- memory


def rss_bytes() -> int:
    """This process's resident set size now."""
    return int(psutil.Process().memory_info().rss)


def process_cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used so far, all threads."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far.

    Linux's ``VmHWM`` (high-water mark of this process image) is used where it exists:
    ``getrusage``'s ``ru_maxrss`` also counts the parent's pages at the fork that came
    before the spawned child's ``exec``, so in a child it reports at least the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def run_in_child(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in a fresh (spawned) process and return its result.

    The child starts empty, so its peak RSS (``peak_rss_bytes``) is the job's own; it
    inherits this process's ``OUTREACH_*`` environment.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``values``, linear interpolation; NaN if empty."""
    if not values:
        return math.nan
    return float(np.percentile(np.asarray(values, dtype=float), q))


def median(values: Sequence[float]) -> float:
    """The median, NaN if empty."""
    return statistics.median(values) if values else math.nan


def loglog_fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope of log(y) on log(x), and the fit's R^2."""
    lx, ly = np.log(np.asarray(xs, dtype=float)), np.log(np.asarray(ys, dtype=float))
    slope, intercept = np.polyfit(lx, ly, 1)
    predicted = slope * lx + intercept
    ss_res = float(np.sum((ly - predicted) ** 2))
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return float(slope), r2


# --------------------------------------------------------------------------- formatting


def fmt_int(n: float) -> str:
    """1234567 -> '1,234,567'."""
    return f"{n:,.0f}"


def fmt_rate(rows: float, seconds: float) -> str:
    """Rows per second, or a dash."""
    if seconds <= 0:
        return "-"
    rate = rows / seconds
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:,.1f}"


def fmt_s(seconds: float) -> str:
    """Seconds with sensible precision."""
    if math.isnan(seconds):
        return "-"
    if seconds >= 100:
        return f"{seconds:,.0f}"
    if seconds >= 1:
        return f"{seconds:.2f}"
    return f"{seconds:.3f}"


def fmt_ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def fmt_ratio(x: float) -> str:
    """A ratio as '1.23x'."""
    if math.isnan(x) or math.isinf(x):
        return "-"
    return f"{x:.2f}x" if x < 100 else f"{x:,.0f}x"


def fmt_pct(x: float) -> str:
    """A share as '12.3%'."""
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def fmt_mib(n: float) -> str:
    """Bytes as MiB."""
    return f"{n / 2**20:,.0f} MiB"


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is zero."""
    return a / b if b else math.nan


# --------------------------------------------------------------------------- tables


@dataclass
class Report:
    """Prints tables with rich and keeps a Markdown copy for ``bench/results``."""

    suite: str
    scale: str
    markdown: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        """A section heading."""
        console.rule(f"[bold]{text}")
        self.markdown.append(f"\n### {text}\n")

    def note(self, text: str) -> None:
        """A line of explanation under a table."""
        console.print(text)
        self.markdown.append(f"\n{text}\n")

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        notes: Sequence[str] = (),
    ) -> None:
        """Print a table; numbers right-aligned; keep it as Markdown too."""
        rows = [[str(cell) for cell in row] for row in rows]
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for i, name in enumerate(columns):
            table.add_column(name, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        for line in notes:
            console.print(f"  {line}")
        md = [f"\n**{title}**\n", "| " + " | ".join(columns) + " |"]
        md.append("|" + "|".join([":---"] + ["---:"] * (len(columns) - 1)) + "|")
        md.extend("| " + " | ".join(row) + " |" for row in rows)
        md.extend(f"\n{line}" for line in notes)
        self.markdown.append("\n".join(md) + "\n")

    def save(self, header: str) -> Path:
        """Write the Markdown copy to ``bench/results/<suite>-<scale>.md``."""
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{self.suite}-{self.scale}.md"
        path.write_text(header + "\n" + "".join(self.markdown), encoding="utf-8")
        console.print(f"[dim]tables written to {path}[/]")
        return path


def machine_line() -> str:
    """One line describing the machine the figures come from."""
    import platform

    cores = os.cpu_count() or 0
    mem = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {cores} cores, "
        f"{mem:.0f} GiB, load average at start {load}"
    )
