"""Dorfman's pool sizes, checked against the optimal sizes and tests per person published for his
method (Dorfman 1943; e.g. the tables reproduced by Kim et al. 2007): p = 1 % -> k = 11, 0.196;
p = 5 % -> k = 5, 0.426; p = 10 % -> k = 4, 0.594."""

import pytest

from fangkong.testing import dorfman


@pytest.mark.parametrize("p, k, per_person", [(0.01, 11, 0.1956), (0.05, 5, 0.4262), (0.10, 4, 0.5939),
                                              (0.02, 8, 0.2742)])
def test_the_optimum_matches_the_published_figures(p, k, per_person):
    best = dorfman.optimum(p)
    assert best.k == k
    assert best.per_person == pytest.approx(per_person, abs=5e-4)


def test_a_single_tube_is_one_test_per_person():
    assert dorfman.tests_per_person(0.3, 1) == 1.0


def test_the_formula():
    assert dorfman.tests_per_person(0.01, 10) == pytest.approx(1 / 10 + 1 - 0.99 ** 10)


def test_among_the_offered_sizes_ten_wins_at_one_percent():
    best = dorfman.advise(0.01)
    assert best.k == 10 and best.per_thousand == 196


def test_among_the_offered_sizes_five_wins_at_five_percent():
    assert dorfman.advise(0.05).k == 5


def test_twenty_wins_when_almost_nobody_is_positive():
    assert dorfman.advise(0.001).k == 20


def test_single_tubes_win_when_pooling_no_longer_pays():
    # Above about 30 % prevalence pooling costs more tests than it saves (Dorfman's limit).
    assert dorfman.advise(0.35).k == 1


def test_tests_per_thousand_are_shown_for_every_offered_size():
    assert [o.k for o in dorfman.options(0.02)] == [1, 5, 10, 20]
    assert dorfman.options(0.02)[0].per_thousand == 1000


def test_a_prevalence_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        dorfman.advise(1.5)
