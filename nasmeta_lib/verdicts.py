"""One verdict rule for every empirical claim, negative controls, and sanity checks kept apart.

A claim is judged on one *quantity* (e.g. "RoBoT's percentile minus the best proxy's, per setting")
estimated with a confidence :class:`Interval` over the right unit (seeds, settings). Its
:class:`Rule`, fixed in code before the run, says which side of a threshold the paper's statement
puts the quantity on:

- *reproduced* when the whole interval lies on the claimed side,
- *not reproduced* when the whole interval lies on the other side,
- *inconclusive* otherwise: the run cannot tell, and saying so is an honest result.

A *negative control* applies the same rule to a method that should not pass (random search, REA,
a mean predictor). If a control passes, the test cannot discriminate, and the claim cannot be
"reproduced": it becomes "inconclusive" and the control is shown beside it.

Identities, tautologies, arithmetic checks and internal targets are :class:`Check` rows: shown,
never counted as reproductions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Literal

import numpy as np

VERDICTS = ("reproduced", "partly", "inconclusive", "not reproduced", "not run")
Direction = Literal[">", ">=", "<", "<=", "within"]


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval and what it was computed over."""

    estimate: float
    low: float
    high: float
    level: float = 0.95
    method: str = ""
    n: int = 0
    unit: str = ""

    def __str__(self) -> str:
        return f"{_fmt(self.estimate)} [{_fmt(self.low)}, {_fmt(self.high)}]"

    def describe(self) -> str:
        """The interval with its level, method and unit, e.g. for a claim's evidence."""
        over = f" over {self.n} {self.unit}" if self.n else ""
        return f"{self} ({self.level:.0%} CI, {self.method}{over})"

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "Interval | None":
        return None if raw is None else cls(**raw)


def _fmt(value: float) -> str:
    return "nan" if not math.isfinite(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


@dataclass(frozen=True)
class Rule:
    """Where the paper's statement puts the quantity: ``quantity <direction> threshold``.

    ``within`` means ``|quantity - threshold| <= margin`` (an equivalence claim, e.g. "our proxy
    agrees with the stored one"): reproduced when the interval lies inside the margin, not
    reproduced when it lies wholly outside it.
    """

    quantity: str
    direction: Direction
    threshold: float = 0.0
    margin: float = 0.0

    def decide(self, interval: Interval | None) -> str:
        if interval is None or math.isnan(interval.low) or math.isnan(interval.high):
            return "not run"
        lo, hi, t = interval.low, interval.high, self.threshold
        if self.direction == ">":
            return "reproduced" if lo > t else "not reproduced" if hi <= t else "inconclusive"
        if self.direction == ">=":
            return "reproduced" if lo >= t else "not reproduced" if hi < t else "inconclusive"
        if self.direction == "<":
            return "reproduced" if hi < t else "not reproduced" if lo >= t else "inconclusive"
        if self.direction == "<=":
            return "reproduced" if hi <= t else "not reproduced" if lo > t else "inconclusive"
        if self.direction == "within":
            inside = t - self.margin <= lo and hi <= t + self.margin
            outside = hi < t - self.margin or lo > t + self.margin
            return "reproduced" if inside else "not reproduced" if outside else "inconclusive"
        raise ValueError(f"unknown rule direction {self.direction!r}")

    def describe(self) -> str:
        if self.direction == "within":
            return f"{self.quantity} within {self.threshold:g} ± {self.margin:g}"
        return f"{self.quantity} {self.direction} {self.threshold:g}"


@dataclass(frozen=True)
class Control:
    """The claim's rule applied to a method that should not pass it."""

    method: str
    verdict: str
    interval: Interval | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Control":
        return cls(raw["method"], raw["verdict"], Interval.from_dict(raw.get("interval")))


@dataclass
class Claim:
    """One checked statement: the paper's number beside ours and the verdict computed from ours.

    ``rule`` and ``interval`` say how the verdict was reached; ``controls`` hold the same rule
    applied to negative controls. Claims judged before these fields existed load with defaults.
    """

    id: str
    statement: str
    paper: str
    ours: str
    verdict: str
    evidence: str = ""
    rule: str = ""
    interval: Interval | None = None
    controls: list[Control] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")
        if isinstance(self.interval, dict):
            self.interval = Interval.from_dict(self.interval)
        self.controls = [Control.from_dict(c) if isinstance(c, dict) else c for c in self.controls]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Check:
    """A sanity check (identity, arithmetic, internal target): shown, never counted as a reproduction."""

    id: str
    statement: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RuleChange:
    """A change of a claim's rule after results had been seen, kept on the chapter page.

    ``version`` is the chapter version that introduced it; ``before`` is the verdict the previous
    version's committed result gave (history), the verdict after is read from the current result.
    """

    version: int
    claim: str
    change: str
    before: str


def judge(
    id: str,
    statement: str,
    paper: str,
    ours: str,
    rule: Rule,
    interval: Interval | None,
    controls: dict[str, Interval | None] | None = None,
    evidence: str = "",
) -> Claim:
    """A :class:`Claim` whose verdict is ``rule`` applied to ``interval``, capped by its controls.

    A control that passes the same rule turns a would-be "reproduced" into "inconclusive": the
    test did not discriminate between the method and the control.
    """
    verdict = rule.decide(interval)
    ctrl = [Control(name, rule.decide(iv), iv) for name, iv in (controls or {}).items()]
    passing = [c.method for c in ctrl if c.verdict == "reproduced"]
    if verdict == "reproduced" and passing:
        verdict = "inconclusive"
        evidence = (evidence + "; " if evidence else "") + f"the same rule also passes for {', '.join(passing)}"
    return Claim(id, statement, paper, ours, verdict, evidence, rule.describe(), interval, ctrl)


def not_run(id: str, statement: str, paper: str, why: str) -> Claim:
    """A claim this run could not judge (missing experiment, profile too small to compare)."""
    return Claim(id, statement, paper, why, "not run")


def all_of(verdicts: Iterable[str]) -> str:
    """Verdict of a conjunction ("best among several", "on every task"): any contradiction
    decides "not reproduced"; only all parts reproduced make it "reproduced"."""
    v = list(verdicts)
    if not v or all(x == "not run" for x in v):
        return "not run"
    if "not reproduced" in v:
        return "not reproduced"
    return "reproduced" if all(x == "reproduced" for x in v) else "inconclusive"


def per_part(verdicts: Iterable[str]) -> str:
    """Verdict of a claim reported part by part (e.g. per setting), where a mixed outcome is
    itself informative: "partly" when some parts are reproduced and others contradicted."""
    v = [x for x in verdicts if x != "not run"]
    if not v:
        return "not run"
    if all(x == "reproduced" for x in v):
        return "reproduced"
    if all(x == "not reproduced" for x in v):
        return "not reproduced"
    return "partly" if "reproduced" in v and "not reproduced" in v else "inconclusive"


def bonferroni(level: float, comparisons: int) -> float:
    """Per-comparison confidence level keeping the family-wise level over ``comparisons``."""
    return 1 - (1 - level) / max(1, comparisons)


def bootstrap_mean(values: Iterable[float], level: float = 0.95, unit: str = "", n_boot: int = 10_000,
                   seed: int = 0) -> Interval:
    """Mean and percentile-bootstrap interval over independent units (seeds, settings).

    For paired comparisons pass the per-unit differences. The interval never leaves the range
    of the data, so bounded quantities (correlations, percentiles) stay in range.
    """
    v = np.asarray(list(values), float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return Interval(float("nan"), float("nan"), float("nan"), level, "bootstrap", 0, unit)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), (n_boot, len(v)))].mean(axis=1)
    lo, hi = np.percentile(means, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return Interval(float(v.mean()), float(lo), float(hi), level, "percentile bootstrap of the mean", len(v), unit)


def exact_sign_interval(values: Iterable[float], level: float = 0.95, unit: str = "") -> Interval:
    """Median with its distribution-free (binomial order-statistic) interval: for small unit
    counts where a bootstrap under-covers, e.g. per-setting differences of ranks."""
    from scipy import stats as st

    v = np.sort(np.asarray([x for x in values if math.isfinite(x)], float))
    n = len(v)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), level, "sign-test interval of the median", 0, unit)
    # the k-th order statistic from each end, k the largest with P(Binomial(n, 1/2) < k) <= alpha/2;
    # with too few units no such k exists and the interval is unbounded (the run cannot decide)
    k = max((j for j in range(1, n + 1) if st.binom.cdf(j - 1, n, 0.5) <= (1 - level) / 2), default=0)
    lo, hi = (v[k - 1], v[n - k]) if k else (-math.inf, math.inf)
    return Interval(float(np.median(v)), float(lo), float(hi), level, "sign-test interval of the median", n, unit)


def weakest(rule: Rule, parts: Iterable[Interval | None]) -> Interval | None:
    """The interval that lies least on the claimed side of ``rule`` (the one a conjunction hinges on)."""
    ivs = [iv for iv in parts if iv is not None]
    if not ivs:
        return None
    return min(ivs, key=lambda iv: iv.low) if rule.direction in (">", ">=") else max(ivs, key=lambda iv: iv.high)


def judge_parts(id: str, statement: str, paper: str, ours: str, rule: Rule, parts: dict[Any, Interval | None],
                combine: Callable[[dict[Any, str]], str], controls: dict[str, dict[Any, Interval | None]] | None = None,
                evidence: str = "") -> Claim:
    """A claim made of several comparisons under one rule ("best among several", "on every task"):
    each part is decided by ``rule``, ``combine`` (e.g. ``lambda v: all_of(v.values())``) gives the
    verdict; each control's parts are combined the same way and a passing control caps the verdict.
    The claim's interval is the weakest part's."""
    verdict = combine({k: rule.decide(iv) for k, iv in parts.items()})
    ctrl = [Control(name, combine({k: rule.decide(iv) for k, iv in cparts.items()}), weakest(rule, cparts.values()))
            for name, cparts in (controls or {}).items()]
    passing = [c.method for c in ctrl if c.verdict == "reproduced"]
    if verdict == "reproduced" and passing:
        verdict = "inconclusive"
        evidence = (evidence + "; " if evidence else "") + f"the same rule also passes for {', '.join(passing)}"
    return Claim(id, statement, paper, ours, verdict, evidence, rule.describe(), weakest(rule, parts.values()), ctrl)
