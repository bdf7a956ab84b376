"""Message experiments, the model: templates, reproducible draws, Thompson shares, the test."""

from __future__ import annotations

from collections import Counter
from datetime import date

from outreach.matching.experiments import (
    Recipient,
    Segment,
    Variant,
    draw_variant,
    equal_allocation,
    in_experiment,
    render,
    template_errors,
    thompson_allocation,
    variant_report,
)

TODAY = date(2026, 9, 1)
VARIANT = Variant(
    id="A",
    name="Deadline",
    template="Hi {first_name}! {state} closes registration on {deadline}. From {supporter_name}",
    fallback="Hi {first_name}! Got a plan to vote?",
    segments=(Segment("party", "UNA", "Hi {first_name}, independents decide {state}."),),
)


def to(**fields: object) -> Recipient:
    base: dict[str, object] = {"first_name": "Amy", "state_name": "Wisconsin",
                               "deadline": date(2026, 10, 14), "supporter_name": "Sam"}  # fmt: skip
    base.update(fields)
    return Recipient(**base)  # type: ignore[arg-type]


def test_a_template_names_only_known_fields() -> None:
    assert template_errors("Hi {first_name}, {state} on {deadline}") == []
    assert template_errors("Hi {last_name}") == [
        "unknown field {last_name}: use {first_name}, {state}, {deadline}, {supporter_name}"
    ]
    assert template_errors("Hi {first_name.__class__}")  # no attribute access
    stray = template_errors("Hi {first_name")
    assert stray == ["a brace with no field: write fields as {first_name}"]
    assert template_errors("  ") == ["the text is empty"]


def test_the_text_is_filled_and_falls_back_when_a_field_is_unknown() -> None:
    assert render(VARIANT, to(), today=TODAY) == (
        "Hi Amy! Wisconsin closes registration on October 14. From Sam"
    )
    assert render(VARIANT, to(supporter_name=None), today=TODAY) == ("Hi Amy! Got a plan to vote?")
    past = render(VARIANT, to(), today=date(2026, 10, 20))  # the deadline has passed
    assert past == "Hi Amy! Got a plan to vote?"
    assert render(VARIANT, to(first_name=None), today=TODAY).startswith("Hi there!")


def test_a_segment_personalizes_the_text_for_its_friends() -> None:
    independent = to(facts={"party": "una"})
    assert render(VARIANT, independent, today=TODAY) == "Hi Amy, independents decide Wisconsin."
    assert render(VARIANT, to(facts={"party": "DEM"}), today=TODAY).endswith("From Sam")


def test_the_draw_is_the_same_for_the_same_pair_and_even_across_pairs() -> None:
    allocation = equal_allocation(["A", "B", "C"])
    pairs = [(f"s{i % 50}", f"f{i}") for i in range(9000)]
    draws = [draw_variant("exp1", s, f, allocation=allocation) for s, f in pairs]
    assert draws == [draw_variant("exp1", s, f, allocation=allocation) for s, f in pairs]
    counts = Counter(draws)
    assert all(abs(counts[v] - 3000) < 200 for v in "ABC"), counts  # sd about 45
    other = [draw_variant("exp2", s, f, allocation=allocation) for s, f in pairs]
    assert sum(a == b for a, b in zip(draws, other, strict=True)) < 3300  # about a third


def test_a_share_of_pairs_enters_the_experiment() -> None:
    inside = sum(in_experiment("exp1", "s", f"f{i}", share=0.3) for i in range(10_000))
    assert abs(inside - 3000) < 200


def test_draws_follow_the_allocation() -> None:
    allocation = {"A": 0.8, "B": 0.2}
    counts = Counter(draw_variant("e", "s", f"f{i}", allocation=allocation) for i in range(10_000))
    assert abs(counts["A"] - 8000) < 200


def test_thompson_sampling_shifts_asks_toward_the_winner_but_keeps_a_floor() -> None:
    shares = thompson_allocation({"A": (60, 100), "B": (30, 100)}, seed="x")
    assert shares["A"] > 0.9
    assert shares["B"] >= 0.05
    assert abs(sum(shares.values()) - 1.0) < 1e-3
    assert shares == thompson_allocation({"A": (60, 100), "B": (30, 100)}, seed="x")
    even = thompson_allocation({"A": (0, 0), "B": (0, 0)}, seed="x")
    assert abs(even["A"] - 0.5) < 0.02


def test_the_report_finds_a_real_difference_and_not_a_chance_one() -> None:
    clear = variant_report({"A": (60, 100), "B": (30, 100)})
    assert clear["significant"] is True
    assert clear["test"] == "Pearson's chi-square test"
    assert clear["leader"] == "A"
    a = clear["variants"][0]
    assert a["rate"] == 0.6 and a["ci_low"] < 0.6 < a["ci_high"]
    close = variant_report({"A": (52, 100), "B": (48, 100)})
    assert close["significant"] is False
    small = variant_report({"A": (3, 4), "B": (0, 4)})
    assert small["test"] == "Fisher's exact test" and small["significant"] is False
    empty = variant_report({"A": (0, 0), "B": (0, 0)})
    assert empty["p_value"] is None and empty["leader"] is None
