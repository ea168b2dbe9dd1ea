"""The cooperative's anonymisation rule, with answers worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.cover import cooperative as rule
from cyber360.cover.cooperative import MIN_GHTS, Figure, Reason


def values(*amounts: float) -> dict[int, float]:
    """One value per GHT, GHTs numbered from 1."""
    return {ght: float(amount) for ght, amount in enumerate(amounts, start=1)}


def test_the_threshold_is_five_ghts() -> None:
    assert MIN_GHTS == 5
    assert rule.DOMINANCE_SHARE == 0.85


# Counts, sums, means ----------------------------------------------------------------------------------------


def test_a_count_of_four_ghts_is_withheld_five_is_shown() -> None:
    assert rule.count_ghts([1, 2, 3, 4]) == Figure(None, 4, Reason.TOO_FEW_GHTS)
    assert rule.count_ghts([1, 2, 3, 4, 5]) == Figure(5.0, 5)
    assert rule.count_ghts([]) == Figure(None, 0, Reason.TOO_FEW_GHTS)


def test_sum_and_mean_of_five_ghts_rounded_to_two_significant_digits() -> None:
    five = values(1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_400_000)
    # 15 400 000 -> 15 000 000; mean 3 080 000 -> 3 100 000.
    assert rule.total(five) == Figure(15_000_000.0, 5)
    assert rule.mean(five) == Figure(3_100_000.0, 5)
    assert rule.total(five, significant=None) == Figure(15_400_000.0, 5)
    assert rule.mean(five, significant=3) == Figure(3_080_000.0, 5)


def test_sum_and_mean_of_four_ghts_are_withheld_with_their_count() -> None:
    four = values(1, 2, 3, 4)
    assert rule.total(four) == Figure(None, 4, Reason.TOO_FEW_GHTS)
    assert rule.mean(four) == Figure(None, 4, Reason.TOO_FEW_GHTS)
    assert not rule.total(four).published


def test_a_sum_dominated_by_one_ght_is_withheld() -> None:
    # 90 of 100 is 90 % > 85 %: the total is nearly that GHT's own figure.
    dominated = values(90, 2.5, 2.5, 2.5, 2.5)
    assert rule.total(dominated) == Figure(None, 5, Reason.DOMINANT_GHT)
    assert rule.mean(dominated) == Figure(None, 5, Reason.DOMINANT_GHT)
    # 85 of 100 exactly is allowed (the rule is "more than 85 %").
    assert rule.total(values(85, 5, 5, 3, 2)) == Figure(100.0, 5)


def test_a_share_of_two_sums_needs_both_to_be_publishable() -> None:
    premiums = values(100, 200, 300, 400, 500)
    reductions = values(10, 30, 50, 70, 100)
    assert rule.share(reductions, premiums) == Figure(0.17, 5)  # 260 / 1500 = 0.1733
    assert rule.share(values(0, 0, 0, 0, 100), premiums) == Figure(None, 5, Reason.DOMINANT_GHT)
    assert rule.share(values(1, 2, 3, 4), values(1, 2, 3, 4)) == Figure(None, 4, Reason.TOO_FEW_GHTS)
    assert rule.share(values(0, 0, 0, 0, 0), values(0, 0, 0, 0, 0)) == Figure(0.0, 5)


def test_round_significant() -> None:
    assert rule.round_significant(1_234_567) == 1_200_000
    assert rule.round_significant(0.1234) == 0.12
    assert rule.round_significant(-987) == -990
    assert rule.round_significant(0) == 0
    assert rule.round_significant(2.37, 1) == 2


# Quantiles -------------------------------------------------------------------------------------------------


def test_harrell_davis_median_of_five_by_hand() -> None:
    # Beta(3, 3) has the distribution function 10x^3 - 15x^4 + 6x^5: at 0.2, 0.4, 0.6, 0.8 it is 0.05792,
    # 0.31744, 0.68256, 0.94208, so the five order statistics weigh 0.05792, 0.25952, 0.36512, 0.25952,
    # 0.05792. For 1, 2, 3, 4, 10: 0.05792 + 0.51904 + 1.09536 + 1.03808 + 0.5792 = 3.2896.
    assert rule.harrell_davis([10, 2, 4, 1, 3], 0.5) == pytest.approx(3.2896, abs=1e-12)


def test_harrell_davis_agrees_with_scipy() -> None:
    from scipy.stats.mstats import hdquantiles

    data = [120_000.0, 450_000.0, 80_000.0, 990_000.0, 300_000.0, 215_000.0]
    expected = hdquantiles(data, prob=list(rule.QUARTILES))
    for probability, reference in zip(rule.QUARTILES, expected, strict=True):
        assert rule.harrell_davis(data, probability) == pytest.approx(float(reference), rel=1e-12)


def test_quartiles_of_five_are_never_one_ghts_value() -> None:
    data = values(1, 2, 3, 4, 10)
    q1, median, q3 = rule.quantiles(data, significant=None)
    # Interpolated quartiles of five values would be the 2nd, 3rd and 4th values themselves (2, 3, 4).
    assert median.value == pytest.approx(3.2896, abs=1e-12) and median.contributors == 5
    for figure in (q1, median, q3):
        assert figure.published and figure.value not in set(data.values())


def test_every_ght_moves_every_quartile() -> None:
    base = [1.0, 2.0, 3.0, 4.0, 10.0]
    for index in range(len(base)):
        changed = list(base)
        changed[index] += 0.5
        for probability in rule.QUARTILES:
            assert rule.harrell_davis(changed, probability) > rule.harrell_davis(base, probability)


def test_quartiles_of_four_are_withheld() -> None:
    assert rule.quantiles(values(1, 2, 3, 4)) == (Figure(None, 4, Reason.TOO_FEW_GHTS),) * 3


def test_harrell_davis_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        rule.harrell_davis([], 0.5)
    with pytest.raises(ValueError):
        rule.harrell_davis([1.0], 1.0)


# Subgroups: differencing ------------------------------------------------------------------------------------


def region(first: int, count: int, amount: float = 100.0) -> dict[int, float]:
    return {ght: amount for ght in range(first, first + count)}


def test_a_subgroup_whose_complement_has_fewer_than_five_is_withheld() -> None:
    # 6 GHTs in the north, 3 in the south, the total of 9 published: the north's figure would give the
    # south's (total minus north), drawn from 3 GHTs.
    cells = {"nord": region(1, 6), "sud": region(7, 3)}
    assert rule.total({**cells["nord"], **cells["sud"]}) == Figure(900.0, 9)
    assert rule.partition(cells) == {
        "nord": Figure(None, 6, Reason.DIFFERENCING),
        "sud": Figure(None, 3, Reason.TOO_FEW_GHTS),
    }


def test_two_subgroups_of_five_or_more_are_shown() -> None:
    cells = {"nord": region(1, 5, 100.0), "sud": region(6, 7, 200.0)}
    assert rule.partition(cells) == {"nord": Figure(500.0, 5), "sud": Figure(1400.0, 7)}
    assert rule.partition(cells, "mean") == {"nord": Figure(100.0, 5), "sud": Figure(200.0, 7)}


def test_secondary_suppression_when_the_withheld_cells_would_show_through() -> None:
    # Three regions of 5, 5 and 2 GHTs: each big region's complement has 7 GHTs, so only the small one is
    # withheld at first; but total - R1 - R2 would then be R3 (2 GHTs). The published region with the
    # fewest GHTs (R1 before R2 on a tie) is withheld too: the withheld cells then hold 7 GHTs.
    cells = {"R1": region(1, 5), "R2": region(6, 5), "R3": region(11, 2)}
    assert rule.partition(cells) == {
        "R1": Figure(None, 5, Reason.DIFFERENCING),
        "R2": Figure(500.0, 5),
        "R3": Figure(None, 2, Reason.TOO_FEW_GHTS),
    }


def test_two_small_subgroups_that_hold_five_together_need_no_more() -> None:
    cells = {"R1": region(1, 6), "R2": region(7, 5), "R3": region(12, 2), "R4": region(14, 3)}
    figures = rule.partition(cells)
    assert figures["R1"] == Figure(600.0, 6) and figures["R2"] == Figure(500.0, 5)
    assert figures["R3"].reason is figures["R4"].reason is Reason.TOO_FEW_GHTS


def test_one_subgroup_that_is_the_whole_total_is_withheld() -> None:
    # Its complement is empty (fewer than five): publishing it would tell every GHT is in it.
    assert rule.partition({"tous": region(1, 8)}) == {"tous": Figure(None, 8, Reason.DIFFERENCING)}


def test_overlapping_subgroups_count_distinct_ghts() -> None:
    # Claims by state: GHTs 1-5 have declared claims, GHTs 1-6 paid ones, GHT 7 a refused one.
    cells = {
        "declared": region(1, 5, 1.0),
        "paid": region(1, 6, 2.0),
        "refused": {7: 1.0},
    }
    figures = rule.partition(cells, significant=None)
    assert figures["refused"] == Figure(None, 1, Reason.TOO_FEW_GHTS)
    # declared and paid each keep 6 or 7 GHTs in their complement, but refused alone would show through:
    # the smallest published cell (declared, 5 GHTs) is withheld with it (GHTs 1-5 and 7: six).
    assert figures["declared"] == Figure(None, 5, Reason.DIFFERENCING)
    assert figures["paid"] == Figure(12.0, 6)


def test_a_complement_dominated_by_one_ght_withholds_the_subgroup() -> None:
    cells = {"a": region(1, 5, 10.0), "b": {6: 1000.0, 7: 1.0, 8: 1.0, 9: 1.0, 10: 1.0}}
    figures = rule.partition(cells)
    assert figures["b"].reason is Reason.DOMINANT_GHT
    assert figures["a"].reason is Reason.DIFFERENCING


@settings(max_examples=200, deadline=None)  # no timing: the machine may be busy with other tests
@given(
    st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=30),
    st.lists(st.floats(min_value=1, max_value=1e6), min_size=30, max_size=30),
)
def test_nothing_withheld_can_be_recovered_from_the_total(groups: list[int], amounts: list[float]) -> None:
    cells: dict[str, dict[int, float]] = {}
    for ght, group in enumerate(groups):
        cells.setdefault(f"g{group}", {})[ght] = amounts[ght]
    figures = rule.partition(cells)
    hidden = [label for label, figure in figures.items() if not figure.published]
    residual = {ght for label in hidden for ght in cells[label]}
    assert not residual or len(residual) >= MIN_GHTS or not any(f.published for f in figures.values())
    for label, figure in figures.items():
        if figure.published:
            others = {ght for other in cells if other != label for ght in cells[other]}
            assert figure.contributors >= MIN_GHTS and len(others) >= MIN_GHTS


# Bands ------------------------------------------------------------------------------------------------------


def test_bands_of_maturity() -> None:
    scores = {ght: 1.5 for ght in range(1, 6)} | {ght: 2.5 for ght in range(6, 12)} | {12: 4.0}
    figures = rule.bands(scores, (0, 1, 2, 3, 4, 5))
    assert figures["2-3"] == Figure(6.0, 6)
    assert figures["4-5"] == Figure(None, 1, Reason.TOO_FEW_GHTS)  # 5.0 included in the last band
    # 12 GHTs in all: with 1-2 shown, 12 - 5 - 6 would tell that one GHT is above 3.
    assert figures["1-2"] == Figure(None, 5, Reason.DIFFERENCING)
    assert figures["0-1"] == figures["3-4"] == Figure(None, 0, Reason.TOO_FEW_GHTS)


def test_all_ghts_in_one_band_is_withheld() -> None:
    figures = rule.bands({ght: 2.0 for ght in range(1, 9)}, (0, 2.5, 5))
    assert figures == {
        "0-2.5": Figure(None, 8, Reason.DIFFERENCING),
        "2.5-5": Figure(None, 0, Reason.TOO_FEW_GHTS),
    }


def test_bands_refuse_bad_edges_and_values_outside() -> None:
    with pytest.raises(ValueError):
        rule.bands({1: 1.0}, (0, 0))
    with pytest.raises(ValueError):
        rule.bands({1: 6.0}, (0, 5))


def test_no_min_or_max_is_offered() -> None:
    public = {name for name in dir(rule) if not name.startswith("_")}
    assert not {"minimum", "maximum", "min_value", "max_value"} & public
    assert rule.QUARTILES == (0.25, 0.5, 0.75)
