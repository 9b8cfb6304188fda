"""Pool size advice (Dorfman, 1943).

With prevalence ``p`` and pools of ``k`` persons, each pool is tested once and, when positive
(probability ``1 - (1-p)^k``), each of its ``k`` persons is tested again alone. Expected tests per
person: ``1/k + 1 - (1-p)^k`` (for k = 1 it is simply 1: there is nothing to retest).
"""

from dataclasses import dataclass

OFFERED = (1, 5, 10, 20)


def tests_per_person(p: float, k: int) -> float:
    if k <= 1:
        return 1.0
    return 1 / k + 1 - (1 - p) ** k


@dataclass(frozen=True)
class Option:
    k: int
    per_person: float

    @property
    def per_thousand(self) -> int:
        return round(1000 * self.per_person)

    @property
    def saving_percent(self) -> int:
        return round(100 * (1 - self.per_person))


def options(p: float, sizes=OFFERED) -> list[Option]:
    return [Option(k, tests_per_person(p, k)) for k in sizes]


def advise(p: float, sizes=OFFERED) -> Option:
    """The offered size with the fewest expected tests per person (the smaller size on a tie)."""
    if not 0 <= p <= 1:
        raise ValueError("prevalence must be between 0 and 1")
    return min(options(p, sizes), key=lambda o: (round(o.per_person, 12), o.k))


def optimum(p: float, largest: int = 100) -> Option:
    """The best pool size over every size from 1 to ``largest`` (Dorfman's table)."""
    return advise(p, range(1, largest + 1))
