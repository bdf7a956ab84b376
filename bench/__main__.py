"""``python -m bench [SUITE] [--scale small|full] [--keep]``: the benchmark suites.

Each suite starts its own local graph server in a fresh folder on free ports, prints its
tables (figures as ratios against a baseline measured in the same run), writes a Markdown
copy to ``bench/results/<suite>-<scale>.md`` and stops the server. ``all`` runs ingest,
rank and api; ``quality`` runs the assignment and linkage quality scripts, which need no
graph. ``load`` (``--minutes``, default 5) is the sustained mixed load, ``wait`` the
supporter's wait after an upload, ``scaling`` contact ingest in one worker process and in
two; ``all`` leaves those three out.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.common import SCALES, Report, console, machine_line, prepare_env

SUITES = ("ingest", "rank", "api")
EXTRA_SUITES = ("wait", "load", "scaling")  # not part of `all`
QUALITY_SCRIPTS = {
    "assignment_quality.py": {"small": ["--pairs", "200000"], "full": []},
    "linkage_quality.py": {"small": [], "full": []},
}


def source_version() -> str:
    """The commit the product code is at, and whether files outside bench/ differ from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":!bench"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {commit}" + (" with local changes outside bench/" if status.strip() else "")


def run_suite(name: str, scale: str, *, keep: bool, minutes: float = 5.0) -> float:
    """Run one suite with its own environment and server; return its wall time."""
    version = source_version()
    env = prepare_env(name)
    report = Report(suite=name, scale=scale)
    started = time.perf_counter()
    try:
        if name == "ingest":
            from bench import ingest

            ingest.run(env, scale, report)
        elif name == "rank":
            from bench import rank

            rank.run(env, scale, report)
        elif name == "wait":
            from bench import wait

            wait.run(env, scale, report)
        elif name == "load":
            from bench import load

            load.run(env, scale, report, minutes=minutes)
        elif name == "scaling":
            from bench import scaling

            scaling.run(env, scale, report)
        else:
            from bench import api

            api.run(env, scale, report)
    finally:
        env.cleanup(keep=keep)
    took = time.perf_counter() - started
    header = (
        f"## bench {name} --scale {scale}\n\n"
        f"Run {datetime.now().isoformat(timespec='minutes')}, {took:.0f}s, {version}; "
        f"{machine_line()}.\n"
    )
    report.save(header)
    console.print(f"[bold]{name} ({scale}) took {took:.0f}s[/]")
    return took


def run_quality(scale: str) -> None:
    """The quality scripts next to this file, run as modules from the repository root.

    Run as files (``python bench/x.py``), they would put ``bench/`` first on the import path,
    where ``bench/ingest.py`` and ``bench/api.py`` hide the ``ingest`` and ``api`` packages.
    """
    here = Path(__file__).resolve().parent
    for script, args in QUALITY_SCRIPTS.items():
        if not (here / script).exists():
            console.print(f"[dim]{script} not found; skipped[/]")
            continue
        console.rule(f"[bold]{script}")
        module = f"bench.{script.removesuffix('.py')}"
        subprocess.run([sys.executable, "-m", module, *args[scale]], cwd=here.parent, check=True)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the chosen suites."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    choices = (*SUITES, *EXTRA_SUITES, "quality", "all")
    parser.add_argument("suite", nargs="?", default="all", choices=choices)
    parser.add_argument("--scale", default="small", choices=SCALES)
    parser.add_argument("--keep", action="store_true", help="keep the generated data and graph")
    parser.add_argument(
        "--minutes", type=float, default=5.0, help="how long `load` runs its mixed load"
    )
    args = parser.parse_args(argv)
    console.print(f"[dim]{machine_line()}[/]")
    if args.suite == "quality":
        run_quality(args.scale)
        return
    chosen = SUITES if args.suite == "all" else (args.suite,)
    total = 0.0
    for name in chosen:
        total += run_suite(name, args.scale, keep=args.keep, minutes=args.minutes)
    if len(chosen) > 1:
        console.print(f"[bold]all suites took {total:.0f}s[/]")


if __name__ == "__main__":
    main()
