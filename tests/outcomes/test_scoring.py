"""G from the indicators, R from the stars, and the published formula."""

from decimal import Decimal

import pytest

from marketplace.outcomes import scoring


def points(rule="linear", comparison=">=", target="7", weight=40, actual="5"):
    return scoring.indicator_points(rule=rule, comparison=comparison, target=Decimal(target), weight=weight,
                                    actual=None if actual is None else Decimal(actual))


def test_linear_at_least_targets_score_in_proportion_capped_at_the_weight():
    assert scoring.round2(points(actual="5")) == Decimal("28.57")   # 5/7 × 40
    assert points(actual="9") == Decimal("40")                       # over-delivery is capped


def test_linear_at_most_targets_get_full_marks_at_or_under_the_target():
    assert points(comparison="<=", target="4000", actual="3800") == Decimal("40")
    assert points(comparison="<=", target="4000", actual="5000") == Decimal("32")   # 4000/5000 × 40


def test_pass_fail_gives_the_weight_or_nothing():
    assert points(rule="pass_fail", actual="7") == Decimal("40")
    assert points(rule="pass_fail", actual="6.99") == Decimal("0")
    assert points(rule="pass_fail", comparison="<=", target="3", actual="2") == Decimal("40")


def test_no_actual_earns_nothing():
    assert points(actual=None) == Decimal("0")


def test_g_sums_the_points_of_all_indicators():
    g = scoring.government_score([points(actual="5"), points(comparison="<=", target="4000", actual="5000"),
                                  points(rule="pass_fail", weight=20, actual="7")])
    assert g == Decimal("80.57")   # 28.571… + 32 + 20, rounded once


@pytest.mark.parametrize(("stars", "score"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_stars_map_onto_0_to_100(stars, score):
    assert scoring.stars_to_score(stars) == score


def test_the_formula_shows_the_numbers_it_computes():
    outcome = scoring.Outcome(w=Decimal("0.70"), r=Decimal("82.50"), g=Decimal("76.00"), count=12, quorum=10,
                              pass_score=Decimal("60"))
    assert outcome.formula() == "0.70 × 82.50 + 0.30 × 76.00 = 80.55"
    assert outcome.passed and not outcome.provisional


def test_a_weight_with_more_places_is_shown_with_them():
    assert scoring.show_weight(Decimal("0.7500")) == "0.75"
    assert scoring.show_weight(Decimal("0.755")) == "0.755"
