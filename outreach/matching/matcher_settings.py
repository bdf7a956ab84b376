"""Organizer-tunable matcher settings: every default of the impact model, validated.

``MatcherSettings`` holds the target geographies and their weights, the caps ``k``
and ``n``, and every parameter of ``IMPACT_MODEL.md``. It is JSON-serialisable; other
code stores it, versioned, in the graph, and ``settings_fingerprint`` gives the
stable hash used as (or next to) that version.

The election is a setting: its race (``race``), its date and its targets. Default targets
and weights come from FiveThirtyEight's 2020 presidential forecast (run of 2020-10-11,
CC BY 4.0), shipped as ``outreach/data/state_weights_538_2020-10-11.csv``, and are
labelled so (``weights_source``, ``weights_race``); ``calendar_warnings`` tells the
organizer when they do not fit the race, and when the election is near or over.
The default rule is: every state or district whose voter power index (``vpi``) is at
least 1.0. In that run those are fourteen geographies: AK, AZ, CO, FL, ME-2, MI, MN,
NC, NE-2, NH, NM, NV, PA and WI. Their weight is the ``vpi`` divided by the largest
``vpi`` among the targets (Wisconsin, 7.16), so Wisconsin weighs 1.0 and the rest
less. The index describes a presidential race; organizers of other races should set
their own targets and weights.

The election date defaults to the next federal general election (the Tuesday after the
first Monday of November of an even year) on or after the day the settings are made,
and the race to president in a presidential year, else Senate. Registration deadlines
default to plausible dates for that election, by each state's usual rule (for example
15 days before in Pennsylvania, the fifth Monday before in Georgia), derived from the
2026 calendar as days before election day. States that register voters on
election day (Wisconsin, Michigan, Minnesota, Maine, Nevada, ...) and North Dakota,
which has no registration, use election day. These are defaults only: organizers
must check each state's official deadline and set it here.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from outreach.core.errors import RowError, SettingsInvalid

Channel = Literal["call", "in_person", "text", "social"]
Race = Literal["president", "senate", "governor", "house", "ballot_measure"]
Side = Literal["DEM", "REP"]
CHANNELS: tuple[Channel, ...] = ("call", "in_person", "text", "social")
TieLevel = Literal["household", "close", "friend", "acquaintance"]

WEIGHTS_FILE = "state_weights_538_2020-10-11.csv"
DEFAULT_VPI_THRESHOLD = 1.0
DISTRICT_CODES = frozenset({"ME-1", "ME-2", "NE-1", "NE-2", "NE-3"})

SHIPPED_WEIGHTS_SOURCE = (
    "FiveThirtyEight 2020 presidential forecast, voter power index (polls-plus, 2020-10-11)"
)
SHIPPED_WEIGHTS_RACE: Race = "president"
SHIPPED_WEIGHTS_YEAR = 2020
ORGANIZER_WEIGHTS_SOURCE = "the organizer's own weights"

# Calibrated so that a close tie (tie = 1) at p = 0.5 moves turnout by the published
# effect: sigmoid(beta) - 0.5 = effect, so beta = logit(0.5 + effect). Call and in person:
# 2.75 points (relational contact, 2.5-3); text: 1.0 point; social: 0.39 points (Bond et
# al. 2012). See docs/impact_model.md for each source and derivation.
DEFAULT_BETA: dict[Channel, float] = {
    "call": 0.110,
    "in_person": 0.110,
    "text": 0.040,
    "social": 0.0156,
}
# Registration lift of an ask from a close tie, per channel (docs/impact_model.md).
DEFAULT_REG_LIFT: dict[Channel, float] = {
    "call": 0.04,
    "in_person": 0.06,
    "text": 0.04,
    "social": 0.01,
}
DEFAULT_TIE_VALUES: dict[TieLevel, float] = {
    "household": 1.0,
    "close": 1.0,
    "friend": 0.5,
    "acquaintance": 0.2,
}
DEFAULT_PERSUADE: dict[Channel, float] = dict.fromkeys(CHANNELS, 0.0)
DEFAULT_DELIVER: dict[Channel, float] = dict.fromkeys(CHANNELS, 0.5)
DEFAULT_ELECTION_DATE = date(2026, 11, 3)
LEGACY_FIELDS = frozenset({"support_unknown", "turnout_unknown"})

_ELECTION_DAY_REGISTRATION = frozenset(
    {
        "CA",
        "CO",
        "CT",
        "DC",
        "HI",
        "IA",
        "ID",
        "IL",
        "MD",
        "ME",
        "MI",
        "MN",
        "MT",
        "ND",
        "NH",
        "NM",
        "NV",
        "UT",
        "VA",
        "VT",
        "WA",
        "WI",
        "WY",
    }
)
_DEADLINES_2026: dict[str, tuple[int, int]] = {
    "AK": (10, 4),  # 30 days before
    "AL": (10, 19),  # 15 days before
    "AR": (10, 5),  # 30 days before, moved to the next business day
    "AZ": (10, 5),  # 29 days before
    "DE": (10, 10),  # fourth Saturday before
    "FL": (10, 5),  # 29 days before
    "GA": (10, 5),  # fifth Monday before
    "IN": (10, 5),  # 29 days before
    "KS": (10, 13),  # 21 days before
    "KY": (10, 5),  # 29 days before
    "LA": (10, 14),  # 20 days before, online
    "MA": (10, 24),  # 10 days before
    "MO": (10, 7),  # fourth Wednesday before
    "MS": (10, 5),  # 30 days before, moved to the next business day
    "NC": (10, 31),  # same-day registration at early-voting sites ends the last Saturday
    "NE": (10, 23),  # second Friday before, in person
    "NJ": (10, 13),  # 21 days before
    "NY": (10, 24),  # 10 days before
    "OH": (10, 5),  # 30 days before, moved to the next business day
    "OK": (10, 9),  # 25 days before
    "OR": (10, 13),  # 21 days before
    "PA": (10, 19),  # 15 days before
    "RI": (10, 4),  # 30 days before
    "SC": (10, 4),  # 30 days before
    "SD": (10, 19),  # 15 days before
    "TN": (10, 5),  # 30 days before, moved to the next business day
    "TX": (10, 5),  # 30 days before, moved to the next business day
    "WV": (10, 13),  # 21 days before
}

_DATE = TypeAdapter(date)
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, le=10.0)]


@cache
def _weights_table() -> tuple[tuple[str, str, float], ...]:
    """Rows (code, name, vpi) of the shipped FiveThirtyEight file."""
    text = (files("outreach") / "data" / WEIGHTS_FILE).read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple((r["code"].strip(), r["state"].strip(), float(r["vpi"])) for r in rows)


def load_vpi() -> dict[str, float]:
    """FiveThirtyEight's 2020 voter power index for every state and district, as published."""
    return {code: vpi for code, _, vpi in _weights_table()}


def load_default_weights() -> dict[str, float]:
    """Voter power index for every geography, normalized so the highest is 1.0.

    Source: FiveThirtyEight, 2020 presidential election forecast, run of 2020-10-11,
    "voter power index" per state and per Maine and Nebraska congressional district,
    published under CC BY 4.0.
    """
    vpi = load_vpi()
    top = max(vpi.values())
    return {code: value / top for code, value in vpi.items()}


def load_state_names() -> dict[str, str]:
    """Plain names for every geography code ("NE-2" -> "Nebraska's second ...")."""
    names = {code: name for code, name, _ in _weights_table() if code not in DISTRICT_CODES}
    ordinals = {"1": "first", "2": "second", "3": "third"}
    for code in DISTRICT_CODES:
        state, number = code.split("-")
        names[code] = f"{names[state]}'s {ordinals[number]} congressional district"
    return names


def known_codes() -> frozenset[str]:
    """Every geography code the settings accept: USPS state codes, DC and the five districts."""
    return frozenset(code for code, _, _ in _weights_table())


def default_targets() -> list[str]:
    """Geographies whose voter power index is at least ``DEFAULT_VPI_THRESHOLD``, sorted."""
    return sorted(code for code, vpi in load_vpi().items() if vpi >= DEFAULT_VPI_THRESHOLD)


def general_election_day(year: int) -> date:
    """The federal general election of ``year``: the Tuesday after the first Monday of November."""
    first = date(year, 11, 1)
    monday = first + timedelta(days=(0 - first.weekday()) % 7)
    return monday + timedelta(days=1)


def next_general_election(today: date) -> date:
    """The next federal general election on or after ``today`` (even years only)."""
    year = today.year + (today.year % 2)
    day = general_election_day(year)
    return day if day >= today else general_election_day(year + 2)


def default_race(election_date: date) -> Race:
    """President in a presidential year, else Senate (organizers set the race they run)."""
    return "president" if election_date.year % 4 == 0 else "senate"


def default_registration_deadlines(election_date: date = DEFAULT_ELECTION_DATE) -> dict[str, date]:
    """Plausible registration deadlines per state for that election; organizers must confirm them.

    Each state's 2026 deadline is kept as a number of days before election day, which
    keeps weekday rules (a Monday, a Saturday) on the same weekday for any Tuesday election.
    """
    deadlines = {
        code: election_date - (DEFAULT_ELECTION_DATE - date(2026, m, d))
        for code, (m, d) in _DEADLINES_2026.items()
    }
    deadlines.update(dict.fromkeys(_ELECTION_DAY_REGISTRATION, election_date))
    return dict(sorted(deadlines.items()))


def _unknown_code_message(code: str) -> str:
    return (
        f"unknown geography code {code!r}: use a USPS state code (such as 'WI') "
        "or a district code ME-1, ME-2, NE-1, NE-2 or NE-3"
    )


def _canonical_code(raw: object) -> str:
    code = str(raw).strip().upper()
    if code not in known_codes():
        raise ValueError(_unknown_code_message(str(raw)))
    return code


def _merge_defaults(value: object, defaults: Mapping[Any, float], what: str) -> object:
    if value is None:
        return dict(defaults)
    if isinstance(value, Mapping):
        for key in value:
            if key not in defaults:
                allowed = ", ".join(defaults)
                raise ValueError(f"unknown {what} {key!r}: use one of {allowed}")
        return {**defaults, **value}
    return value


class MatcherSettings(BaseModel):
    """Every knob of the matcher, with the defaults of ``IMPACT_MODEL.md``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    targets: list[str] = Field(default_factory=default_targets, min_length=1)
    weights: dict[str, float] = Field(default_factory=dict, validate_default=True)
    k: int = Field(default=1, ge=1, le=100)
    n: int = Field(default=10, ge=1, le=1000)
    beta: dict[Channel, NonNegative] = Field(default_factory=lambda: dict(DEFAULT_BETA))
    default_channel: Channel = "text"
    tie_values: dict[TieLevel, Share] = Field(default_factory=lambda: dict(DEFAULT_TIE_VALUES))
    support_floor: Share = 0.35
    side: Side = "DEM"
    support_same_party: Share = 0.85
    support_other_party: Share = 0.15
    support_prior: Share = 0.65
    turnout_prior_presidential: Share = 0.72
    turnout_prior_midterm: Share = 0.50
    turnout_prior_concentration: float = Field(default=2.0, gt=0.0, le=1000.0)
    persuade: dict[Channel, Share] = Field(default_factory=lambda: dict(DEFAULT_PERSUADE))
    reg_lift: dict[Channel, Share] = Field(default_factory=lambda: dict(DEFAULT_REG_LIFT))
    p_new_voter: Share = 0.33
    unmatched_unregistered: Share = 0.5
    area_code_placement: Share = 0.9
    deliver: dict[Channel, Share] = Field(default_factory=lambda: dict(DEFAULT_DELIVER))
    race: Race = "senate"
    election_date: date = DEFAULT_ELECTION_DATE
    weights_source: str = Field(default="", max_length=200)
    weights_race: Race | None = None
    registration_deadlines: dict[str, date] = Field(default_factory=default_registration_deadlines)
    holdout_share: float = Field(default=0.05, ge=0.0, lt=1.0)
    holdout_seed: str = Field(default="2026", min_length=1, max_length=200)
    holdout_by_household: bool = True
    min_match_probability: Share = 0.5

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: object) -> object:
        """Read settings stored by earlier versions, and label the weights' source.

        ``support_unknown`` and ``turnout_unknown`` are gone: unknown support now comes
        from party registration or the homophily prior, unknown turnout is imputed. A
        single ``reg_lift`` number applies to every channel.
        """
        if not isinstance(data, Mapping):
            return data
        out = {k: v for k, v in data.items() if k not in LEGACY_FIELDS}
        if out.get("election_date") is None:
            out["election_date"] = next_general_election(date.today())
        try:
            day = _DATE.validate_python(out["election_date"])
        except ValidationError:
            day = None  # reported by the field's own validation
        if day is not None:
            out.setdefault("race", default_race(day))
            if out.get("registration_deadlines") is None:
                out["registration_deadlines"] = default_registration_deadlines(day)
        lift = out.get("reg_lift")
        if isinstance(lift, int | float) and not isinstance(lift, bool):
            out["reg_lift"] = dict.fromkeys(CHANNELS, float(lift))
        if not out.get("weights_source"):
            shipped = not out.get("weights")
            out["weights_source"] = SHIPPED_WEIGHTS_SOURCE if shipped else ORGANIZER_WEIGHTS_SOURCE
            if shipped and "weights_race" not in out:
                out["weights_race"] = SHIPPED_WEIGHTS_RACE
        return out

    @field_validator("targets", mode="after")
    @classmethod
    def _check_targets(cls, value: list[str]) -> list[str]:
        return sorted({_canonical_code(code) for code in value})

    @field_validator("weights", mode="before")
    @classmethod
    def _weight_keys(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {_canonical_code(code): weight for code, weight in value.items()}
        return value

    @field_validator("weights", mode="after")
    @classmethod
    def _normalize_weights(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        targets: list[str] | None = info.data.get("targets")
        if targets is None:  # targets failed validation; that error is reported already
            return value
        for code, weight in value.items():
            if weight < 0:
                raise ValueError(f"weight for {code} must not be negative, got {weight}")
        if not value:
            vpi = load_vpi()
            raw = {code: vpi[code] for code in targets}
        else:
            missing = [code for code in targets if code not in value]
            if missing:
                raise ValueError(
                    "weights must give a weight for every target; missing: " + ", ".join(missing)
                )
            raw = {code: value[code] for code in targets}  # non-targets weigh 0: dropped
        top = max(raw.values())
        if top <= 0:
            raise ValueError("at least one target must have a positive weight")
        return {code: raw[code] / top for code in targets}

    @field_validator("beta", "persuade", "deliver", "reg_lift", mode="before")
    @classmethod
    def _channel_defaults(cls, value: object, info: ValidationInfo) -> object:
        defaults = {
            "beta": DEFAULT_BETA,
            "persuade": DEFAULT_PERSUADE,
            "deliver": DEFAULT_DELIVER,
            "reg_lift": DEFAULT_REG_LIFT,
        }
        return _merge_defaults(value, defaults[str(info.field_name)], "channel")

    @field_validator("tie_values", mode="before")
    @classmethod
    def _tie_defaults(cls, value: object) -> object:
        return _merge_defaults(value, DEFAULT_TIE_VALUES, "tie level")

    @field_validator("registration_deadlines", mode="before")
    @classmethod
    def _deadline_keys(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        out: dict[str, object] = {}
        for raw, deadline in value.items():
            code = _canonical_code(raw)
            if code in DISTRICT_CODES:
                raise ValueError(
                    f"registration deadlines are set per state, not per district: {code}"
                )
            out[code] = deadline
        return dict(sorted(out.items()))

    @model_validator(mode="after")
    def _check_consistency(self) -> MatcherSettings:
        late = [c for c, d in self.registration_deadlines.items() if d > self.election_date]
        if late:
            raise ValueError(
                "registration deadline after election day "
                f"({self.election_date.isoformat()}) for: " + ", ".join(late)
            )
        tv = self.tie_values
        if not tv["acquaintance"] <= tv["friend"] <= min(tv["close"], tv["household"]):
            raise ValueError(
                "tie_values must not decrease from acquaintance to friend to close and household"
            )
        return self

    def weight_of(self, code: str) -> float:
        """The normalized weight of one geography code; 0.0 when it is not a target."""
        return self.weights.get(code, 0.0)


def settings_fingerprint(s: MatcherSettings) -> str:
    """A stable 16-hex-digit hash of the settings' canonical JSON."""
    canonical = json.dumps(
        s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def parse_settings(data: Mapping[str, Any]) -> MatcherSettings:
    """Validate organizer input, raising ``SettingsInvalid`` that names each field at fault."""
    try:
        return MatcherSettings.model_validate(dict(data))
    except ValidationError as exc:
        errors = [
            RowError(
                line=None,
                field=".".join(str(part) for part in err["loc"]) or None,
                reason=str(err["msg"]).removeprefix("Value error, "),
            )
            for err in exc.errors()
        ]
        summary = "; ".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors)
        raise SettingsInvalid(f"invalid matcher settings: {summary}", errors) from exc


def revise_settings(current: MatcherSettings, changes: Mapping[str, Any]) -> MatcherSettings:
    """Apply an organizer's changes and validate the result (``model_copy`` would not).

    When the targets change and no weights are given, the weights return to the
    FiveThirtyEight defaults for the new targets.
    """
    data = current.model_dump()
    if "targets" in changes and "weights" not in changes:
        data.pop("weights")
        data.pop("weights_source")
        data.pop("weights_race")
    elif "weights" in changes and "weights_source" not in changes:
        data.pop("weights_source")
        data["weights_race"] = changes.get("weights_race")
    defaults = default_registration_deadlines(current.election_date)
    follow = current.registration_deadlines == defaults  # default deadlines follow a new date
    if "election_date" in changes and "registration_deadlines" not in changes and follow:
        data.pop("registration_deadlines")
    data.update(changes)
    return parse_settings(data)
