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
)

from outreach.core.settings import Settings, get_settings


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration for these settings."""
    return {
        "broker_url": settings.effective_broker_url,
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
        "task_default_queue": "outreach",
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


@worker_process_init.connect
def _open_driver(**_: Any) -> None:
    from graph.db.driver import get_driver

    get_driver()


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
