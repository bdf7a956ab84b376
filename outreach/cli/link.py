"""``outreach link``: link two files, or find duplicates in one, with no graph and no queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from outreach.core.errors import OutreachError, RowError
from outreach.core.spreadsheet import neutralize

console = Console()
_SHOWN_REJECTIONS = 20


def link(
    left: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Contacts, or any person file")
    ],
    right: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="The file to link to (a voter file)"),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Where to write left_id,right_id,probability,decision")
    ] = Path("links.csv"),
    left_mapping: Annotated[
        str | None, typer.Option(help="Read the left file as a voter file with this mapping")
    ] = None,
    right_mapping: Annotated[
        str | None,
        typer.Option(help="Read the right file as a voter file with this mapping (demo, ...)"),
    ] = None,
    left_id: Annotated[
        str | None, typer.Option(help="The left file's id column (default: contact_id or id)")
    ] = None,
    right_id: Annotated[
        str | None, typer.Option(help="The right file's id column (default: contact_id or id)")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Link at or above this probability")] = 0.9,
    review_floor: Annotated[
        float | None,
        typer.Option(
            help="Keep for review the candidates that would reach this on their own (0.5 "
            "unless the threshold is lower, then the threshold)"
        ),
    ] = None,
    one_to_one: Annotated[
        bool,
        typer.Option(help="Each right record links to at most one left record, the likeliest"),
    ] = False,
    dedupe: Annotated[
        bool, typer.Option(help="Find the duplicates within LEFT (give no RIGHT)")
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Use a model saved by --train"),
    ] = None,
    train: Annotated[
        Path | None, typer.Option(help="Save the model trained on these files here")
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Known pairs (left_id,right_id) to train m on"
        ),
    ] = None,
    region: Annotated[
        str,
        typer.Option(
            envvar="OUTREACH_DEFAULT_REGION",
            help="Read phone numbers without a country code as this country's, e.g. AU, GB",
        ),
    ] = "US",
) -> None:
    """Link LEFT to RIGHT (or deduplicate LEFT) probabilistically and write the scored pairs.

    The model is trained on the two files (from the fields both carry) unless --model
    gives one saved earlier with --train. States and postcodes of any country are
    compared as given. Rows that cannot be read are listed with their line and reason.
    """
    from ingest.file_linkage import dedupe_file, link_files

    floor = _review_floor(threshold, review_floor)
    if model is not None and (train is not None or truth is not None):
        raise typer.BadParameter("--model uses a trained model: drop --train and --truth")
    if dedupe and right is not None:
        raise typer.BadParameter("--dedupe finds duplicates within LEFT: give no RIGHT file")
    if not dedupe and right is None:
        raise typer.BadParameter("give a RIGHT file to link to, or --dedupe for one file")
    _check_options(
        dedupe=dedupe, one_to_one=one_to_one, right_mapping=right_mapping, right_id=right_id,
        left_mapping=left_mapping, left_id=left_id,
    )  # fmt: skip
    rejected_csv = out.with_name(out.stem + ".rejected.csv")
    _check_outputs(
        {"--out": out, "--train": train, "the rejected rows' file": rejected_csv},
        [p for p in (left, right, model, truth) if p is not None],
    )
    try:
        if dedupe:
            report = dedupe_file(
                left, left_mapping, out, threshold=threshold, review_floor=floor,
                model=model, save_model=train, truth=truth, id_column=left_id, region=region,
            )  # fmt: skip
        else:
            assert right is not None
            report = link_files(
                left, left_mapping, right, right_mapping, out, threshold=threshold,
                review_floor=floor, one_to_one=one_to_one, model=model, save_model=train,
                truth=truth, left_id_column=left_id, right_id_column=right_id, region=region,
            )  # fmt: skip
    except OutreachError as exc:
        console.print(f"[red]{exc}[/]")
        errors = [
            RowError(line=e.get("line"), field=e.get("field"), reason=str(e.get("reason", "")))
            for e in exc.extra.get("errors", [])
            if isinstance(e, dict)
        ]
        if errors:  # a file none of whose rows could be read: every one of them, listed
            of_right = right is not None and str(exc).startswith(f"{right.name}:")
            listed = _write_rejected(
                rejected_csv, left=None if of_right else errors, right=errors if of_right else None
            )
            console.print(f"Every row that could not be read: {listed}")
        raise typer.Exit(1) from exc
    _show_rejected("left", report.left_rejected)
    _show_rejected("right", report.right_rejected)
    if report.left_rejected or report.right_rejected:
        listed = _write_rejected(
            rejected_csv, left=report.left_rejected, right=report.right_rejected
        )
        console.print(f"Every row that could not be read: {listed}")
    else:
        rejected_csv.unlink(missing_ok=True)  # an earlier run's, which no longer holds
    if model is None:
        how = f"from the known pairs in {truth}" if truth else "without labels"
        saved = f", saved to {train} (reuse it with --model)" if train else ""
        console.print(f"Model trained on these files {how}{saved}.")
    fields = ", ".join(report.fields)
    if dedupe:
        console.print(
            f"{report.left_read} rows: {report.linked} duplicate pairs, {report.review} for "
            f"review, compared on {fields}, in {report.seconds:.1f}s; pairs written to {out}"
        )
        return
    console.print(
        f"{report.left_read} left rows, {report.right_read} right rows: {report.linked} linked, "
        f"{report.review} for review, {report.unmatched} unmatched, compared on {fields}, in "
        f"{report.seconds:.1f}s; pairs written to {out}"
    )


def _check_options(
    *,
    dedupe: bool,
    one_to_one: bool,
    right_mapping: str | None,
    right_id: str | None,
    left_mapping: str | None,
    left_id: str | None,
) -> None:
    """BadParameter for options that would be ignored, rather than ignoring them."""
    if dedupe and (one_to_one or right_mapping or right_id):
        raise typer.BadParameter(
            "--one-to-one, --right-mapping and --right-id are for linking two files: "
            "drop them with --dedupe"
        )
    for side, mapping, id_column in (("left", left_mapping, left_id), ("right", right_mapping,
                                                                        right_id)):  # fmt: skip
        if mapping and id_column:
            raise typer.BadParameter(
                f"--{side}-mapping {mapping} names the {side} file's id column: drop --{side}-id"
            )


def _check_outputs(outputs: dict[str, Path | None], inputs: list[Path]) -> None:
    """BadParameter before any work when an output would overwrite an input or another
    output, or cannot be written (the linking would run, then fail to write)."""
    given = {name: path for name, path in outputs.items() if path is not None}
    read = {path.resolve() for path in inputs}
    seen: dict[Path, str] = {}
    for name, path in given.items():
        resolved = path.resolve()
        if resolved in read:
            raise typer.BadParameter(f"{name} {path} is one of the files to read: give another")
        if resolved in seen:
            raise typer.BadParameter(f"{name} and {seen[resolved]} are both {path}")
        seen[resolved] = name
        _check_writable(path, name)


def _check_writable(path: Path, option: str) -> None:
    """BadParameter when ``path`` cannot be written, found by opening it for appending (and
    removing it again when it did not exist)."""
    if path.is_dir():
        raise typer.BadParameter(f"{option} {path} is a folder: give a file name")
    if path.parent.exists() and not path.parent.is_dir():
        raise typer.BadParameter(f"{option} {path}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        raise typer.BadParameter(f"{option} {path}: the folder {path.parent} does not exist")
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise typer.BadParameter(
            f"{option} {path} cannot be written: {exc.strerror or exc}"
        ) from exc
    if not existed:
        path.unlink(missing_ok=True)


def _review_floor(threshold: float, review_floor: float | None) -> float:
    """The review floor: as given, else 0.5 or the threshold when that is lower."""
    if not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter(f"--threshold must be in 0..1, got {threshold}")
    if review_floor is None:
        return min(0.5, threshold)
    if review_floor > threshold:
        raise typer.BadParameter(
            f"--review-floor {review_floor} is above --threshold {threshold}: pass "
            f"--review-floor {threshold} or lower, or leave it out"
        )
    return review_floor


def _write_rejected(
    path: Path, *, left: list[RowError] | None = None, right: list[RowError] | None = None
) -> Path:
    """All rejected rows as ``side,line,column,reason`` (next to the output file)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("side", "line", "column", "reason"))
        for side, errors in (("left", left or []), ("right", right or [])):
            writer.writerows(
                (side, e.line, neutralize(e.field or ""), neutralize(e.reason)) for e in errors
            )
    return path


def _show_rejected(side: str, rejected: list[RowError]) -> None:
    """Each rejected row of one side: line, column and reason (the first few, then a count)."""
    if not rejected:
        return
    console.print(f"[yellow]{len(rejected)} {side} rows could not be read:[/]")
    for error in rejected[:_SHOWN_REJECTIONS]:
        column = f", {error.field}" if error.field else ""
        console.print(f"  line {error.line}{column}: {error.reason}")
    if len(rejected) > _SHOWN_REJECTIONS:
        console.print(f"  ... and {len(rejected) - _SHOWN_REJECTIONS} more")
