"""The one verdict rule: interval vs threshold, negative controls, combinations."""

import math

import pytest

from nasmeta_lib import stats
from nasmeta_lib.results import Result
from nasmeta_lib.verdicts import (Check, Claim, Interval, Rule, all_of, bonferroni, bootstrap_mean, judge_parts,
                                  exact_sign_interval, judge, per_part)


def iv(lo: float, hi: float) -> Interval:
    return Interval((lo + hi) / 2, lo, hi)


@pytest.mark.parametrize("direction, lo, hi, expected", [
    (">", 0.1, 0.3, "reproduced"), (">", -0.1, 0.3, "inconclusive"), (">", -0.3, 0.0, "not reproduced"),
    (">=", 0.0, 0.3, "reproduced"), (">=", -0.3, -0.1, "not reproduced"),
    ("<", -0.3, -0.1, "reproduced"), ("<", 0.0, 0.2, "not reproduced"), ("<=", -0.2, 0.1, "inconclusive"),
])
def test_rule_reads_the_whole_interval(direction, lo, hi, expected):
    assert Rule("gain", direction, 0.0).decide(iv(lo, hi)) == expected


def test_within_rule_is_an_equivalence_test():
    rule = Rule("rho - 1", "within", 1.0, margin=0.1)
    assert rule.decide(iv(0.95, 1.05)) == "reproduced"
    assert rule.decide(iv(0.7, 0.85)) == "not reproduced"
    assert rule.decide(iv(0.85, 0.95)) == "inconclusive"


def test_missing_interval_is_not_run_and_unbounded_is_inconclusive():
    assert Rule("gain", ">", 0).decide(None) == "not run"
    assert Rule("gain", ">", 0).decide(Interval(math.nan, math.nan, math.nan)) == "not run"
    assert Rule("gain", ">", 0).decide(Interval(1.0, -math.inf, math.inf)) == "inconclusive"


def test_a_passing_control_caps_the_verdict():
    rule = Rule("percentile gap to the paper", ">=", -1.0)
    strict = judge("x.a", "s", "p", "o", rule, iv(0.0, 1.0), controls={"random search": iv(-5.0, -2.0)})
    assert strict.verdict == "reproduced" and strict.controls[0].verdict == "not reproduced"
    blind = judge("x.a", "s", "p", "o", rule, iv(0.0, 1.0), controls={"random search": iv(-0.5, 0.5)})
    assert blind.verdict == "inconclusive" and "random search" in blind.evidence


def test_combinations():
    assert all_of(["reproduced", "reproduced"]) == "reproduced"
    assert all_of(["reproduced", "inconclusive"]) == "inconclusive"
    assert all_of(["reproduced", "not reproduced"]) == "not reproduced"
    assert per_part(["reproduced", "not reproduced"]) == "partly"
    assert per_part(["reproduced", "inconclusive"]) == "inconclusive"
    assert per_part(["not run"]) == "not run"
    assert bonferroni(0.95, 5) == pytest.approx(0.99)


def test_bootstrap_mean_stays_within_the_data_and_covers_the_mean():
    values = [0.9, 0.95, 1.0, 0.97, 0.99]
    interval = bootstrap_mean(values, unit="seeds")
    assert 0.9 <= interval.low <= interval.estimate <= interval.high <= 1.0
    assert interval.n == 5 and bootstrap_mean(values, unit="seeds") == interval  # seeded


def test_sign_interval_is_unbounded_when_too_few_units():
    few = exact_sign_interval([1.0, 2.0, 3.0])
    assert few.low == -math.inf and few.high == math.inf
    many = exact_sign_interval(range(20))
    assert 0 < many.low < many.estimate < many.high < 19


def test_correlation_interval_stays_inside_minus_one_one():
    m, lo, hi = stats.correlation_mean_ci([0.99, 0.6, 0.98])
    assert -1 <= lo < m < hi <= 1
    m_t, lo_t, hi_t = stats.mean_ci([0.99, 0.6, 0.98])
    assert hi_t > 1  # the plain t-interval leaves the range: the reason for the function above


def test_claims_and_checks_round_trip_through_json():
    claim = judge("x.a", "s", "p", "o", Rule("gain", ">", 0), iv(0.1, 0.2), controls={"random": iv(-1, 0)})
    result = Result("x", "quick", {}, claims=[claim, Claim("x.b", "s", "p", "o", "not run")],
                    checks=[Check("x.c", "identity", True, "exact")])
    back = Result.from_json(result.to_json())
    assert back.claims == result.claims and back.checks == result.checks
    assert back.claims[0].interval == iv(0.1, 0.2)


def test_parts_combine_and_a_passing_control_caps_them():
    rule = Rule("gain", ">", 0)
    parts = {"a": iv(0.1, 0.3), "b": iv(0.2, 0.5)}
    combine = lambda v: all_of(v.values())  # noqa: E731
    claim = judge_parts("x.a", "s", "p", "o", rule, parts, combine, {"random": {"a": iv(-1, 0.5), "b": iv(0.1, 1)}})
    assert claim.verdict == "reproduced" and claim.interval == iv(0.1, 0.3)  # the weakest part
    assert claim.controls[0].verdict == "inconclusive" and claim.controls[0].interval == iv(-1, 0.5)
    capped = judge_parts("x.a", "s", "p", "o", rule, parts, combine, {"random": {"a": iv(0.1, 1), "b": iv(0.1, 1)}})
    assert capped.verdict == "inconclusive" and "random" in capped.evidence
    one_behind = judge_parts("x.a", "s", "p", "o", rule, {**parts, "c": iv(-0.4, -0.1)}, combine)
    assert one_behind.verdict == "not reproduced" and one_behind.interval == iv(-0.4, -0.1)
