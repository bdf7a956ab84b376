"""The Celery app: Redis in production and CI, an embedded SQLite broker by default.

Importing this module has no side effect: the app reads the process's settings only when
Celery first needs its configuration (``on_configure``). Each worker process makes its own
graph driver in ``worker_process_init`` (a driver must not cross a fork) and closes it on
shutdown.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
)

from outreach.core.settings import Settings, get_settings
from workers import embedded_broker

HOUSEKEEPING_EVERY_SECONDS = 600.0


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration for these settings.

    Long tasks, following Celery's documentation ("Tasks", "Workers", "Using Redis"):

    * ``task_acks_late`` with ``task_reject_on_worker_lost``: a message is acknowledged
      only when its task ends, so a killed worker's task is delivered again. Every task is
      safe to run twice (its job record says whether it already ended), and a task that
      keeps killing its worker is stopped after ``OUTREACH_TASK_MAX_ATTEMPTS``.
    * ``task_time_limit`` / ``task_soft_time_limit``: a hung task is stopped (the soft limit
      first, so it can fail its job cleanly); a timed-out task is acknowledged, not looped.
    * ``visibility_timeout`` (Redis): Redis redelivers a message not acknowledged within it,
      so it is longer than the time limit, or a long voter file would run twice at once.
    * ``worker_cancel_long_running_tasks_on_connection_loss``: after losing the broker, a
      worker cancels its late-acknowledged tasks, which the broker redelivers, instead of
      finishing them alongside the redelivered copy.
    * Uploads and the re-ranks that follow them go to their own queue, ``uploads``, so a
      supporter never waits behind a statewide voter file or an organizer's full re-rank.
    """
    broker = embedded_broker.broker_url(settings.effective_broker_url)
    # Only Redis (and SQS) redeliver on a visibility timeout; the embedded SQLite transport
    # hands its options to SQLAlchemy, which refuses unknown ones.
    transport = (
        {"visibility_timeout": settings.task_visibility_timeout}
        if broker.startswith(("redis://", "rediss://", "sqs://"))
        else {}
    )
    return {
        "broker_url": broker,
        "result_backend": settings.effective_result_backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_track_started": True,
        "broker_connection_retry_on_startup": True,
        "result_extended": False,
        "worker_hijack_root_logger": False,
        # A process readies the upload linker as it starts (about a second on a busy
        # machine); Celery's default of 4 s for that is too tight under load.
        "worker_proc_alive_timeout": 30.0,
        "task_default_queue": "outreach",
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(30, settings.task_time_limit - 60),
        "broker_transport_options": transport,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "beat_schedule": {
            "housekeeping": {
                "task": "outreach.housekeeping",
                "schedule": HOUSEKEEPING_EVERY_SECONDS,
            }
        },
    }


def make_celery(settings: Settings | None = None) -> Celery:
    """A Celery app for ``settings``, or for the process's settings when first used."""
    celery = Celery("outreach", include=["workers.tasks"])

    def configure(sender: Celery, **_: Any) -> None:
        nonlocal settings
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # the embedded broker's files
        sender.conf.update(celery_config(settings))

    celery.on_configure.connect(configure, weak=False)
    return celery


app = make_celery()


@worker_ready.connect
def _housekeeping_at_start(sender: Any, **_: Any) -> None:
    """A starting worker fails jobs lost by the last one and removes abandoned upload files."""
    sender.app.send_task("outreach.housekeeping")


@worker_process_init.connect
def _open_driver(**_: Any) -> None:
    """Each process makes its own driver and readies the upload linker before any task."""
    from graph.db.driver import get_driver
    from outreach.usecases import uploads

    get_driver()
    uploads.warm_up(get_settings())


@worker_process_shutdown.connect
def _close_driver(**_: Any) -> None:
    from graph.db.driver import close_driver

    close_driver()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_logs(logger: Any, **_: Any) -> None:
    """Mask phone numbers and emails in everything the worker logs."""
    from outreach.core.logs import RedactingFilter

    for handler in logger.handlers:
        handler.addFilter(RedactingFilter())
