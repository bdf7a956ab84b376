"""Vote history files (North Carolina's ncvhis, Florida's history extract) onto the voters."""

from __future__ import annotations

import gzip
from pathlib import Path

from neo4j import Driver

from graph.db.run import read
from ingest.history_job import ingest_history
from ingest.voters_job import ingest_voters
from outreach.core.settings import Settings
from tests.factories import unique
from tests.ingest.factories import demo_voter, write_demo_voters, write_nc_voters

NCVHIS_HEADER = (
    "county_id", "county_desc", "voter_reg_num", "election_lbl", "election_desc",
    "voting_method", "voted_party_cd", "voted_party_desc", "pct_label", "pct_description",
    "ncid", "voted_county_id", "voted_county_desc", "vtd_label", "vtd_description",
)  # fmt: skip


def turnout(driver: Driver, ids: list[str]) -> dict[str, tuple[list[bool], float | None]]:
    """Voter id -> (vote history, turnout score) as the graph holds them."""
    rows = read(
        driver,
        "UNWIND $ids AS id MATCH (v:Voter {voter_id: id}) "
        "RETURN v.voter_id AS id, v.vote_history AS h, v.turnout_score AS t",
        ids=ids,
    )
    return {r["id"]: (list(r["h"] or []), r["t"]) for r in rows}


def ncvhis(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """An ncvhis file (tab-delimited, quoted) of (ncid, election date, description) rows."""
    lines = ["\t".join(f'"{h}"' for h in NCVHIS_HEADER)]
    for ncid, date, desc in rows:
        cells = dict.fromkeys(NCVHIS_HEADER, "")
        cells.update(ncid=ncid, election_lbl=date, election_desc=f"{date} {desc}", county_id="92")
        lines.append("\t".join(f'"{v}"' for v in cells.values()))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_north_carolina_history_sets_turnout_and_runs_twice_the_same(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    a, b, c, d = (unique("NC") for _ in range(4))
    voters = [{"ncid": v, "first_name": "ANN", "last_name": "LEE", "status_cd": "A"}
              for v in (a, b, c, d)]  # fmt: skip
    voter_file = write_nc_voters(tmp_path / "ncvoter92.txt", voters)
    ingest_voters(driver, path=voter_file, mapping="nc_ncvoter", settings=settings)
    demo_id = unique("NCDEMO")
    demo = write_demo_voters(
        tmp_path / "demo.csv", [demo_voter(voter_id=demo_id, state="NC", vote_2022g="Y")]
    )
    ingest_voters(driver, path=demo, mapping="demo", settings=settings)
    before = turnout(driver, [demo_id])
    history = ncvhis(
        tmp_path / "ncvhis92.txt",
        [
            (a, "11/08/2022", "GENERAL"), (a, "11/03/2020", "GENERAL"),
            (a, "05/17/2022", "PRIMARY"),
            (b, "11/08/2022", "GENERAL"),
            (c, "11/06/2018", "GENERAL"),
            (unique("NC-not-in-file"), "11/08/2022", "GENERAL"),
            (b, "2022-11-08", "GENERAL"),
        ],
    )  # fmt: skip
    packed = tmp_path / "ncvhis92.txt.gz"
    packed.write_bytes(gzip.compress(history.read_bytes()))
    counts = ingest_history(driver, path=packed, mapping="nc_ncvhis", settings=settings)
    assert (counts["read"], counts["ignored"], counts["rejected"]) == (7, 1, 1)
    assert (counts["votes"], counts["voters_found"], counts["elections"]) == (5, 3, 3)
    expected = {
        a: ([True, True, False], 2 / 3),
        b: ([True, False, False], 1 / 3),
        c: ([False, False, True], 1 / 3),
        d: ([False, False, False], 0.0),
    }
    assert turnout(driver, [a, b, c, d]) == expected
    again = ingest_history(driver, path=history, mapping="nc_ncvhis", settings=settings)
    assert again["votes"] == counts["votes"]
    assert turnout(driver, [a, b, c, d]) == expected
    ingest_voters(driver, path=voter_file, mapping="nc_ncvoter", settings=settings)
    assert turnout(driver, [a, b, c, d]) == expected  # reloading the voter file keeps it
    assert turnout(driver, [demo_id]) == before  # a file with its own history is left alone


def test_florida_history_counts_only_ballots_that_counted(
    driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    from ingest.mapping import load_mapping

    mapping = load_mapping("fl_voter_extract")
    ids = [unique("FL") for _ in range(3)]
    lines = []
    for voter_id in ids:
        cells = dict.fromkeys(mapping.column_names, "")
        cells.update(county_code="ALA", voter_id=voter_id, name_last="Lee", name_first="Ann",
                     voter_status="ACT", public_records_exemption="N")  # fmt: skip
        lines.append("\t".join(cells.values()))
    extract = tmp_path / "ALA_20240109.txt"
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_voters(driver, path=extract, mapping="fl_voter_extract", settings=settings)
    x, y, z = ids
    history = tmp_path / "ALA_H_20240109.txt"
    history.write_text(
        f"ALA\t{x}\t11/08/2022\tGEN\tA\n"
        f"ALA\t{x}\t11/03/2020\tGEN\tY\n"
        f"ALA\t{y}\t11/08/2022\tGEN\tB\n"  # mail ballot not counted: no vote
        f"ALA\t{y}\t11/03/2020\tGEN\tZ\n"
        f"ALA\t{z}\t08/23/2022\tPRI\tE\n",  # a primary: not counted
        encoding="utf-8",
    )
    counts = ingest_history(driver, path=history, mapping="fl_voter_history", settings=settings)
    assert (counts["read"], counts["ignored"], counts["votes"]) == (5, 2, 3)
    assert turnout(driver, ids) == {
        x: ([True, True], 1.0),
        y: ([False, True], 0.5),
        z: ([False, False], 0.0),
    }
