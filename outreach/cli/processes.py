"""Child processes the CLI manages: the embedded Celery worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from outreach.core.settings import Settings


@dataclass
class Worker:
    """A Celery worker running in a child process."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the worker to finish its current task and exit; kill it if it will not."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_worker(
    settings: Settings,
    *,
    concurrency: int = 2,
    pool: str = "prefork",
    queues: str = "uploads,outreach",
    extra_env: dict[str, str] | None = None,
) -> Worker:
    """Start a Celery worker for this project's queue, logging to the data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = (settings.data_dir / "worker.log").resolve()
    env = dict(os.environ)
    env["OUTREACH_DATA_DIR"] = str(settings.data_dir.resolve())
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.app",
        "worker",
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "--queues",
        queues,
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    return Worker(process=process, log_path=log_path)
