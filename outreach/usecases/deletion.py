"""Deletion: uploads, links, candidates, jobs, files, and friends nobody else knows."""

from __future__ import annotations

from neo4j import Driver

from graph.deletion import delete_supporter, upload_ids
from outreach.core.settings import Settings
from outreach.usecases import accounts
from outreach.usecases.uploads import UploadStore


def delete_supporter_data(
    driver: Driver, settings: Settings, *, supporter_id: str
) -> dict[str, int]:
    """Delete everything the supporter gave and revoke their tokens.

    An opt-out by one of their friends survives.
    """
    store = UploadStore(settings)
    files = sum(1 for upload_id in upload_ids(driver, supporter_id) if store.delete(upload_id))
    counts = delete_supporter(driver, supporter_id=supporter_id)
    accounts.revoke(driver, settings, subject=supporter_id)
    return {**counts, "files_deleted": files}
