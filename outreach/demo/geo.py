"""The demo geography: states, their congressional districts, cities, zip prefixes, area codes.

The table is small on purpose: a handful of real cities per state with a real three-digit
zip prefix and real area codes, enough for addresses and phone numbers that look right and
that ``phonenumbers`` accepts. Populations are 2020 census figures in millions; they set
each state's share of the synthetic voter file.
"""

from __future__ import annotations

from dataclasses import dataclass

SWING_STATES: frozenset[str] = frozenset({"WI", "PA", "MI", "AZ", "GA", "NV", "NC"})


@dataclass(frozen=True, slots=True)
class City:
    """A real city: its zip prefix, area codes and, where known, its congressional districts."""

    name: str
    zip3: str
    area_codes: tuple[str, ...]
    weight: float
    districts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class State:
    """A state with its population, district count, swing flag and a few cities."""

    code: str
    name: str
    population_m: float
    districts: int
    hispanic: float
    asian: float
    cities: tuple[City, ...]

    @property
    def swing(self) -> bool:
        """True when the state is one of the demo's swing states."""
        return self.code in SWING_STATES


def _c(name: str, zip3: str, codes: str, weight: float, districts: tuple[int, ...] = ()) -> City:
    """A city row of the table below, area codes space-separated."""
    return City(name, zip3, tuple(codes.split()), weight, districts)


# State(code, name, population in millions, districts, Hispanic share, Asian share, cities)
# _c(city, zip prefix, area codes, weight within the state, congressional districts or all)
# fmt: off
STATES: tuple[State, ...] = (
    State("WI", "Wisconsin", 5.9, 8, 0.08, 0.03, (
        _c("Milwaukee", "532", "414", 9, (4, 5)),
        _c("Madison", "537", "608", 6, (2,)),
        _c("Green Bay", "543", "920", 3, (8,)),
        _c("Kenosha", "531", "262", 2, (1,)),
        _c("Eau Claire", "547", "715", 2, (3,)),
        _c("Waukesha", "531", "262", 2, (5,)),
        _c("Oshkosh", "549", "920", 1.5, (6,)),
        _c("Wausau", "544", "715", 1.5, (7,)),
        _c("La Crosse", "546", "608", 1.5, (3,)),
    )),
    State("PA", "Pennsylvania", 13.0, 17, 0.08, 0.04, (
        _c("Philadelphia", "191", "215 267 445", 12, (2, 3, 5)),
        _c("Pittsburgh", "152", "412 878", 7, (12, 17)),
        _c("Allentown", "181", "610 484", 3, (7,)),
        _c("Erie", "165", "814", 2, (16,)),
        _c("Scranton", "185", "570 272", 2, (8,)),
        _c("Harrisburg", "171", "717 223", 2.5, (10,)),
        _c("Lancaster", "176", "717 223", 2.5, (11,)),
        _c("Reading", "196", "610 484", 2, (6,)),
        _c("State College", "168", "814", 1, (15,)),
    )),
    State("MI", "Michigan", 10.1, 13, 0.05, 0.03, (
        _c("Detroit", "482", "313", 9, (12, 13)),
        _c("Grand Rapids", "495", "616", 4, (3,)),
        _c("Lansing", "489", "517", 2.5, (7,)),
        _c("Ann Arbor", "481", "734", 2.5, (6,)),
        _c("Flint", "485", "810", 2, (8,)),
        _c("Kalamazoo", "490", "269", 2, (4,)),
        _c("Traverse City", "496", "231", 1, (1,)),
        _c("Warren", "480", "586", 3, (10,)),
    )),
    State("AZ", "Arizona", 7.2, 9, 0.3, 0.04, (
        _c("Phoenix", "850", "602 480 623", 12, (3, 4, 8)),
        _c("Tucson", "857", "520", 4, (6, 7)),
        _c("Mesa", "852", "480", 3, (5,)),
        _c("Scottsdale", "852", "480", 2, (1,)),
        _c("Glendale", "853", "623", 2, (8,)),
        _c("Flagstaff", "860", "928", 1, (2,)),
        _c("Yuma", "853", "928", 1, (7,)),
    )),
    State("GA", "Georgia", 10.7, 14, 0.1, 0.05, (
        _c("Atlanta", "303", "404 470", 10, (5, 6, 11, 13)),
        _c("Savannah", "314", "912", 2, (1,)),
        _c("Augusta", "309", "706 762", 2, (12,)),
        _c("Macon", "312", "478", 1.5, (2,)),
        _c("Columbus", "319", "706 762", 1.5, (2, 3)),
        _c("Athens", "306", "706 762", 1.5, (10,)),
        _c("Marietta", "300", "770 678", 3, (11,)),
        _c("Lawrenceville", "300", "770 678", 3, (7, 9)),
    )),
    State("NV", "Nevada", 3.1, 4, 0.29, 0.09, (
        _c("Las Vegas", "891", "702 725", 10, (1, 3, 4)),
        _c("Henderson", "890", "702 725", 3, (3,)),
        _c("North Las Vegas", "890", "702 725", 2, (4,)),
        _c("Reno", "895", "775", 3.5, (2,)),
        _c("Carson City", "897", "775", 1, (2,)),
    )),
    State("NC", "North Carolina", 10.4, 14, 0.1, 0.03, (
        _c("Charlotte", "282", "704 980", 6, (12, 14)),
        _c("Raleigh", "276", "919 984", 5, (2, 13)),
        _c("Greensboro", "274", "336 743", 2.5, (6,)),
        _c("Durham", "277", "919 984", 2.5, (4,)),
        _c("Winston-Salem", "271", "336 743", 2, (6, 10)),
        _c("Fayetteville", "283", "910 472", 2, (9,)),
        _c("Asheville", "288", "828", 1.5, (11,)),
        _c("Wilmington", "284", "910 472", 1.5, (7,)),
    )),
    State("ME", "Maine", 1.36, 2, 0.02, 0.01, (
        _c("Portland", "041", "207", 4, (1,)),
        _c("Augusta", "043", "207", 1.5, (1,)),
        _c("Brunswick", "040", "207", 1.5, (1,)),
        _c("Lewiston", "042", "207", 2, (2,)),
        _c("Bangor", "044", "207", 2, (2,)),
        _c("Presque Isle", "047", "207", 1, (2,)),
    )),
    State("NE", "Nebraska", 1.96, 3, 0.12, 0.03, (
        _c("Omaha", "681", "402 531", 6, (2,)),
        _c("Bellevue", "681", "402 531", 1.5, (2,)),
        _c("Lincoln", "685", "402 531", 4, (1,)),
        _c("Fremont", "680", "402 531", 1, (1,)),
        _c("Grand Island", "688", "308", 1.2, (3,)),
        _c("Kearney", "688", "308", 1, (3,)),
        _c("Norfolk", "687", "402 531", 1, (3,)),
    )),
    State("CA", "California", 39.5, 52, 0.36, 0.15, (
        _c("Los Angeles", "900", "213 323 310 818", 12),
        _c("San Diego", "921", "619 858", 5),
        _c("San Jose", "951", "408 669", 3.5),
        _c("San Francisco", "941", "415 628", 3, (11, 15)),
        _c("Fresno", "937", "559", 2.5),
        _c("Sacramento", "958", "916 279", 3),
        _c("Oakland", "946", "510 341", 2.5, (12,)),
        _c("Long Beach", "908", "562", 2),
        _c("Riverside", "925", "951", 2.5),
        _c("Bakersfield", "933", "661", 2),
    )),
    State("TX", "Texas", 29.1, 38, 0.38, 0.05, (
        _c("Houston", "770", "713 281 832", 10),
        _c("San Antonio", "782", "210 726", 6),
        _c("Dallas", "752", "214 469 972", 7),
        _c("Austin", "787", "512 737", 5),
        _c("Fort Worth", "761", "817 682", 4),
        _c("El Paso", "799", "915", 3, (16, 23)),
        _c("Arlington", "760", "817 682", 2),
        _c("Corpus Christi", "784", "361", 1.5, (27,)),
        _c("Lubbock", "794", "806", 1.5, (19,)),
    )),
    State("NY", "New York", 20.2, 26, 0.19, 0.09, (
        _c("New York", "100", "212 646 917", 10, (10, 12, 13, 15)),
        _c("Brooklyn", "112", "718 347 929", 9, (7, 8, 9, 10, 11)),
        _c("Buffalo", "142", "716", 3, (26,)),
        _c("Rochester", "146", "585", 3, (25,)),
        _c("Syracuse", "132", "315 680", 2, (22,)),
        _c("Albany", "122", "518 838", 2, (20,)),
        _c("Yonkers", "107", "914", 2, (16,)),
    )),
    State("IL", "Illinois", 12.8, 17, 0.18, 0.06, (
        _c("Chicago", "606", "312 773 872", 12, (1, 2, 3, 4, 5, 7, 8, 9)),
        _c("Aurora", "605", "630 331", 2, (11,)),
        _c("Naperville", "605", "630 331", 2, (6, 11)),
        _c("Rockford", "611", "815 779", 2, (16,)),
        _c("Springfield", "627", "217 447", 1.5, (13, 15)),
        _c("Peoria", "616", "309", 1.5, (16, 17)),
    )),
    State("MA", "Massachusetts", 7.0, 9, 0.13, 0.08, (
        _c("Boston", "021", "617 857", 7, (7, 8)),
        _c("Cambridge", "021", "617 857", 2, (5, 7)),
        _c("Worcester", "016", "508 774", 3, (2,)),
        _c("Springfield", "011", "413", 2.5, (1,)),
        _c("Lowell", "018", "978 351", 2, (3,)),
    )),
    State("WA", "Washington", 7.7, 10, 0.14, 0.1, (
        _c("Seattle", "981", "206 564", 7, (7, 9)),
        _c("Bellevue", "980", "425", 2.5, (1, 9)),
        _c("Tacoma", "984", "253", 3, (6, 10)),
        _c("Spokane", "992", "509", 2.5, (5,)),
        _c("Vancouver", "986", "360 564", 2, (3,)),
    )),
)
# fmt: on

STATE_CODES: tuple[str, ...] = tuple(s.code for s in STATES)
STATE_NAMES: dict[str, str] = {s.code: s.name for s in STATES}
