"""``outreach link``: link two files probabilistically, with no graph and no queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def link(
    left: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Contacts (or voters)")],
    right: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A voter file")],
    out: Annotated[Path, typer.Option(help="Where to write left_id,right_id,probability,decision")],
    right_mapping: Annotated[str, typer.Option(help="Column mapping of the right file")] = "demo",
    left_mapping: Annotated[
        str | None, typer.Option(help="Read the left file as a voter file with this mapping")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Link at or above this probability")] = 0.9,
    review_floor: Annotated[float, typer.Option(help="Keep for review from here up")] = 0.5,
    train: Annotated[
        Path | None, typer.Option(help="First estimate a model from these files, save it here")
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="With --train: known pairs (contact_id,voter_id) to count m on",
        ),
    ] = None,
) -> None:
    """Link two CSV files probabilistically (no graph needed) and write the scored pairs."""
    from ingest.link_files import link_files, train_from_files

    if truth is not None and train is None:
        raise typer.BadParameter("--truth is for training: give --train as well")
    model = None
    if train is not None:
        model = train_from_files(
            right, right_mapping, left, train, contacts_mapping=left_mapping, truth_csv=truth
        )
        how = "from the known pairs in " + str(truth) if truth else "without labels"
        console.print(f"Model estimated from these files ({how}) and saved to {train}.")
    report = link_files(
        left,
        left_mapping,
        right,
        right_mapping,
        out,
        threshold=threshold,
        review_floor=review_floor,
        model=model,
    )
    console.print(
        f"{report.left_read} left rows, {report.right_read} right rows: {report.linked} linked, "
        f"{report.review} for review, {report.unmatched} unmatched in {report.seconds:.1f}s; "
        f"pairs written to {report.out_csv}"
    )
