"""How good and how fast the matcher's assignment is, against the exact optimum and naive top-n.

Run from the repository root:

    python -m bench.assignment_quality                 # 1,000,000 pairs, 200 small instances
    python -m bench.assignment_quality --pairs 200000  # quicker

Three tables, all from seeded random data:

1. Quality on small instances: the optimality gap of ``assign`` (OR-Tools' min-cost flow)
   and of greedy alone against ``assign_exact`` (networkx's network simplex, an
   independent solver), with k = 1 and 2 and a later ask of the same friend worth 0, 0.5
   or all of its value.
2. At scale: random supporters and friends in realistic proportions, scored with the
   impact model, then assigned. Weighted value of ``assign`` against greedy and the naive
   way (every supporter asks their own top ``n``); how many friends the naive way asks
   more than once; the runtime of ``assign`` and greedy as ratios of naive's, measured in
   the same run. With ``--k 2`` a second ask of a friend is worth ``1 - deliver``.
   Naive's total is shown twice: as claimed (every ask counted) and counting each friend
   once, at their best ask, since the model gives a second ask no extra effect.
3. Scoring speed: ``score_pairs`` over all pairs, and the speed-up over the per-pair
   reference ``score_pair`` measured on a sample in the same run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from outreach.matching.assign import Assignment, assign, assign_exact, assign_greedy, assign_naive
from outreach.matching.impact import second_ask_share
from outreach.matching.matcher_settings import MatcherSettings
from outreach.matching.scoring import PairFeatures, ScoredPair, score_pair, score_pairs

STATES = ("WI", "PA", "NV", "AZ", "MI", "MN", "NC", "NH", "GA", "NE", "CA", "TX", "NY", "FL")
AS_OF = date(2026, 9, 15)


@dataclass(frozen=True)
class Pair:
    supporter_id: str
    friend_key: str
    impact: float


def small_instance(rng: random.Random) -> tuple[list[Pair], int, int, float]:
    """A random small instance with random caps and a random worth of a second ask."""
    supporters, friends = rng.randint(2, 12), rng.randint(3, 30)
    degree = rng.randint(1, 10)
    pairs = [
        Pair(f"s{s}", f"f{f}", rng.random() ** 2)
        for s in range(supporters)
        for f in rng.sample(range(friends), min(friends, degree))
    ]
    return pairs, rng.choice([1, 1, 2]), rng.choice([1, 2, 3, 5, 10]), rng.choice([0.0, 0.5, 1.0])


def total(assignments: list[Assignment]) -> float:
    return sum(a.impact for a in assignments)


def quality(instances: int, seed: int) -> None:
    rng = random.Random(seed)
    gaps: list[float] = []
    greedy_gaps: list[float] = []
    for _ in range(instances):
        pairs, k, n, repeat = small_instance(rng)
        best = total(assign_exact(pairs, k=k, n=n, repeat=repeat))
        if best <= 0:
            continue
        gaps.append(1 - total(assign(pairs, k=k, n=n, repeat=repeat)) / best)
        greedy_gaps.append(1 - total(assign_greedy(pairs, k=k, n=n, repeat=repeat)) / best)
    print(f"\n1. Optimality gap against networkx's optimum ({len(gaps)} seeded instances)")
    print(f"   {'method':<22}{'mean gap':>10}{'max gap':>10}{'optimal':>10}")
    for name, values in (("assign", gaps), ("greedy alone", greedy_gaps)):
        optimal = sum(1 for g in values if g < 1e-7) / len(values)
        print(f"   {name:<22}{statistics.fmean(values):>10.3%}{max(values):>10.3%}{optimal:>10.1%}")


def population(count: int, seed: int) -> list[PairFeatures]:
    """``count`` pairs: fifty contacts per supporter on average, some friends widely shared."""
    rng = random.Random(seed)
    supporters = max(1, count // 50)
    friends = max(1, int(count * 0.6))
    pairs = []
    for _ in range(count):
        friend = int(friends * rng.random() ** 1.5)  # a few friends are known by many
        frng = random.Random(friend * 7919 + seed)  # the friend's own record is stable
        state = frng.choice(STATES)
        pairs.append(
            PairFeatures(
                supporter_id=f"s{rng.randrange(supporters)}",
                friend_key=f"f{friend}",
                state=state,
                district=frng.choice(["1", "2", "3"]) if state == "NE" else None,
                match_p=frng.choice([0.99, 0.9, 0.75, 0.6]),
                turnout_score=frng.random() if frng.random() < 0.7 else None,
                vote_history=[frng.random() < 0.6 for _ in range(4)],
                support_score=frng.random() if frng.random() < 0.8 else None,
                registration_status=frng.choice(["active"] * 8 + ["inactive", "unregistered"]),
                channels=rng.choice(
                    [frozenset({"phone"}), frozenset({"phone", "email"}), frozenset({"email"})]
                ),
                reciprocal=rng.random() < 0.15,
                favorite=rng.random() < 0.05,
                labels=("Family",) if rng.random() < 0.03 else (),
            )
        )
    return pairs


def timed(fn: object, *args: object, **kwargs: object) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)  # type: ignore[operator]
    return result, time.perf_counter() - start


def at_scale(count: int, seed: int, settings: MatcherSettings) -> None:
    pairs = population(count, seed)
    scored_obj, score_seconds = timed(score_pairs, pairs, settings, as_of=AS_OF)
    scored: list[ScoredPair] = scored_obj  # type: ignore[assignment]
    eligible = [p for p in scored if p.impact > 0]
    repeat = second_ask_share(settings)
    ours_obj, ours_seconds = timed(assign, eligible, k=settings.k, n=settings.n, repeat=repeat)
    greedy_obj, greedy_seconds = timed(
        assign_greedy, eligible, k=settings.k, n=settings.n, repeat=repeat
    )
    naive_obj, naive_seconds = timed(assign_naive, eligible, n=settings.n)
    ours: list[Assignment] = ours_obj  # type: ignore[assignment]
    greedy: list[Assignment] = greedy_obj  # type: ignore[assignment]
    naive: list[Assignment] = naive_obj  # type: ignore[assignment]
    asks = Counter(a.friend_key for a in naive)
    repeated = sum(1 for c in asks.values() if c > 1)
    best_once: dict[str, float] = {}
    for a in naive:
        best_once[a.friend_key] = max(best_once.get(a.friend_key, 0.0), a.impact)
    print(
        f"\n2. At scale: {count:,} pairs, {len(eligible):,} with a positive impact, "
        f"k={settings.k}, n={settings.n}"
    )
    print(f"   {'':<36}{'assign':>14}{'naive top-n':>14}")
    print("   (values are weighted value: votes as valuable as one in the top target)")
    print(f"   {'asks':<36}{len(ours):>14,}{len(naive):>14,}")
    distinct = len({a.friend_key for a in ours})
    print(f"   {'distinct friends asked':<36}{distinct:>14,}{len(asks):>14,}")
    ours_asks = Counter(a.friend_key for a in ours)
    ours_repeated = sum(1 for c in ours_asks.values() if c > 1)
    print(f"   {'friends asked more than once':<36}{ours_repeated:>14,}{repeated:>14,}")
    print(
        f"   {'asks repeating another ask':<36}{len(ours) - len(ours_asks):>14,}"
        f"{len(naive) - len(asks):>14,}"
    )
    print(f"   {'weighted value, as claimed':<36}{total(ours):>14.1f}{total(naive):>14.1f}")
    print(
        f"   {'weighted value, each friend once':<36}{total(ours):>14.1f}"
        f"{sum(best_once.values()):>14.1f}"
    )
    print(f"   {'runtime, ratio to naive':<36}{ours_seconds / naive_seconds:>14.2f}{1.0:>14.2f}")
    print(f"   {'runtime, seconds':<36}{ours_seconds:>14.2f}{naive_seconds:>14.2f}")
    print(
        f"   greedy alone: value {total(greedy):.2f} ({1 - total(greedy) / total(ours):.3%} "
        f"below assign), runtime {greedy_seconds / naive_seconds:.2f}x naive's"
    )
    sample = pairs[: min(len(pairs), 20_000)]
    _, scalar_seconds = timed(lambda: [score_pair(p, settings, as_of=AS_OF) for p in sample])
    per_pair_scalar = scalar_seconds / len(sample)
    print(f"\n3. Scoring {count:,} pairs with score_pairs: {score_seconds:.2f} s")
    print(
        f"   {1e6 * score_seconds / count:.2f} us per pair; per-pair reference "
        f"{1e6 * per_pair_scalar:.2f} us (x{per_pair_scalar * count / score_seconds:.1f} slower)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--k", type=int, default=1)
    args = parser.parse_args()
    quality(args.instances, args.seed)
    at_scale(args.pairs, args.seed, MatcherSettings(k=args.k))


if __name__ == "__main__":
    main()
