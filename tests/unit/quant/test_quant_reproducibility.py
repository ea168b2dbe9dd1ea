"""Same seed, same numbers, bit for bit: whatever the chunk size, the run length or the other scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyber360.quant.counts import NegativeBinomial
from cyber360.quant.distributions import Fixed, LogNormal, Pert, Uniform
from cyber360.quant.errors import ModelError
from cyber360.quant.events import EventChunk, simulate_events, year_table
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.simulate import SimulationResult, simulate
from cyber360.quant.streams import STREAM_LAYOUT_VERSION, block_years_for, name_key, stream

BLOCK = 1000
RANSOMWARE = Scenario(
    "ransomware",
    Frequency(Pert(0.05, 0.2, 0.6)),
    Magnitude(
        (
            Component(
                "asset_damage", base=LogNormal.from_median(200_000, 1.0), per_unit=Uniform(1_000, 5_000)
            ),
            Component("business_interruption", per_unit=Pert(20_000, 60_000, 150_000)),
        ),
        driver=Driver("degraded_mode_days", Pert(1, 5, 60), unit="days"),
    ),
)
BREACH = Scenario("data_breach", Frequency(Fixed(0.1)), Magnitude.single(LogNormal.from_interval(5e4, 5e6)))
CLUSTERED = Scenario(
    "outage", Frequency(Uniform(0.5, 2.0), NegativeBinomial(0.7)), Magnitude.single(Pert(1e3, 1e4, 1e5))
)
MODEL = Model((RANSOMWARE, BREACH, CLUSTERED))


def run(model: Model, years: int, chunk: int, seed: int = 5) -> SimulationResult:
    return simulate(model, years, seed, chunk_years=chunk, block_years=BLOCK, keep_scenario_occurrence=True)


def assert_identical(a: SimulationResult, b: SimulationResult, years: int | None = None) -> None:
    cut = slice(0, years)
    assert np.array_equal(a.aggregate[:, cut], b.aggregate[:, cut])
    assert a.occurrence is not None and b.occurrence is not None
    assert np.array_equal(a.occurrence[:, cut], b.occurrence[:, cut])
    assert np.array_equal(a.total_aggregate[cut], b.total_aggregate[cut])
    assert np.array_equal(a.total_occurrence[cut], b.total_occurrence[cut])


def test_chunk_size_changes_nothing() -> None:
    years = 10_500  # ten whole blocks and a half
    reference = run(MODEL, years, chunk=BLOCK)
    for chunk in (2 * BLOCK, 3 * BLOCK, 7 * BLOCK, 100 * BLOCK, 2_500):
        other = run(MODEL, years, chunk)
        assert_identical(reference, other)
        assert np.array_equal(reference.event_counts, other.event_counts)
        # Per-component moments are merged per block, in block order: identical too.
        assert np.array_equal(reference.component_mean, other.component_mean)
        assert np.array_equal(reference.component_stderr, other.component_stderr)


def concatenated_events(chunk_years: int, years: int) -> dict[str, np.ndarray]:
    """All events of a run, sorted by (scenario, year, order of appearance), whatever the chunking."""
    chunks = list(simulate_events(MODEL, years, seed=5, chunk_years=chunk_years, block_years=BLOCK))
    columns = {
        "scenario": np.concatenate([c.scenario for c in chunks]),
        "year": np.concatenate([c.year for c in chunks]),
        "losses": np.concatenate([c.losses.T for c in chunks]),
        "driver": np.concatenate([c.driver for c in chunks]),
    }
    key = np.lexsort((np.arange(columns["year"].size), columns["year"], columns["scenario"]))
    return {name: values[key] for name, values in columns.items()}


def test_event_table_is_the_same_whatever_the_chunking() -> None:
    a = concatenated_events(BLOCK, 5_300)
    b = concatenated_events(4 * BLOCK, 5_300)
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=True), name


@settings(max_examples=12, deadline=None)
@given(short=st.integers(1, 6_000))
def test_a_short_run_is_the_start_of_a_long_one(short: int) -> None:
    long = run(MODEL, 6_000, chunk=3 * BLOCK)
    assert_identical(run(MODEL, short, chunk=2 * BLOCK), long, years=short)


def test_scenario_occurrence_is_kept_on_request() -> None:
    kept = run(MODEL, 3_000, BLOCK)
    lean = simulate(MODEL, 3_000, 5, block_years=BLOCK)
    assert lean.occurrence is None and kept.occurrence is not None
    assert np.array_equal(kept.occurrence.max(axis=0), lean.total_occurrence)
    assert np.array_equal(kept.total_aggregate, lean.total_aggregate)


def test_seed_changes_everything() -> None:
    a, b = run(MODEL, 3_000, BLOCK, seed=1), run(MODEL, 3_000, BLOCK, seed=2)
    assert not np.array_equal(a.total_aggregate, b.total_aggregate)


def test_streams_belong_to_scenarios_not_to_positions() -> None:
    """Adding, removing or reordering scenarios leaves each scenario's years unchanged."""
    alone = run(Model((BREACH,)), 4_000, BLOCK)
    reordered = run(Model((CLUSTERED, BREACH, RANSOMWARE)), 4_000, BLOCK)
    full = run(MODEL, 4_000, BLOCK)
    assert np.array_equal(alone.aggregate[0], full.aggregate[1])
    assert np.array_equal(reordered.aggregate[1], full.aggregate[1])
    assert np.array_equal(reordered.aggregate[2], full.aggregate[0])


def test_a_key_prefix_gives_each_risk_its_own_streams() -> None:
    plain = simulate(MODEL, 2_000, 5, block_years=BLOCK)
    first = simulate(MODEL, 2_000, 5, block_years=BLOCK, key_prefix=(name_key("CH Dax"),))
    second = simulate(MODEL, 2_000, 5, block_years=BLOCK, key_prefix=(name_key("CHSF"),))
    again = simulate(MODEL, 2_000, 5, block_years=BLOCK, key_prefix=(name_key("CH Dax"),))
    assert np.array_equal(first.total_aggregate, again.total_aggregate)
    assert not np.array_equal(first.total_aggregate, second.total_aggregate)
    assert not np.array_equal(first.total_aggregate, plain.total_aggregate)


def test_changing_a_magnitude_keeps_the_event_counts() -> None:
    """Common random numbers: a control that only cuts losses leaves the same events to compare."""
    cheaper = Scenario(RANSOMWARE.name, RANSOMWARE.frequency, Magnitude.single(Fixed(1.0)))
    a = next(simulate_events(Model((RANSOMWARE,)), 3_000, 9, block_years=BLOCK))
    b = next(simulate_events(Model((cheaper,)), 3_000, 9, block_years=BLOCK))
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.year, b.year)


def hand_year_table(chunk: EventChunk, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-year table the slow, obvious way."""
    aggregate = np.zeros(chunk.counts.shape)
    occurrence = np.zeros(chunk.counts.shape)
    for s, y, loss in zip(chunk.scenario, chunk.year - chunk.first_year, losses, strict=True):
        aggregate[s, y] += loss
        occurrence[s, y] = max(occurrence[s, y], loss)
    return aggregate, occurrence


def test_year_table_against_a_loop() -> None:
    chunks = list(simulate_events(MODEL, 2_500, seed=3, chunk_years=2 * BLOCK, block_years=BLOCK))
    assert [(c.first_year, c.n_years) for c in chunks] == [(0, 2000), (2000, 500)]
    for chunk in chunks:
        table = year_table(chunk)
        aggregate, occurrence = hand_year_table(chunk, chunk.event_loss())
        assert table.aggregate == pytest.approx(aggregate, rel=1e-12)
        assert np.array_equal(table.occurrence, occurrence)
        assert np.array_equal(
            np.bincount(
                chunk.scenario * chunk.n_years + chunk.year - chunk.first_year, minlength=chunk.counts.size
            ),
            chunk.counts.ravel(),
        )
        # Any per-event losses, e.g. after a deductible of 100 000 per event.
        insured = np.maximum(chunk.event_loss() - 100_000, 0.0)
        aggregate, occurrence = hand_year_table(chunk, insured)
        assert year_table(chunk, insured).aggregate == pytest.approx(aggregate, rel=1e-12)
        assert np.array_equal(year_table(chunk, insured).occurrence, occurrence)
        with pytest.raises(ValueError, match="one value per event"):
            year_table(chunk, insured[:-1])


def test_event_chunk_columns() -> None:
    chunk = next(simulate_events(MODEL, 2_000, seed=4, block_years=BLOCK))
    ransomware = chunk.events_of(0)
    assert chunk.component_names == ("asset_damage", "business_interruption", "loss")
    assert np.all(np.isfinite(chunk.driver[ransomware]))
    assert np.all(np.isnan(chunk.driver[chunk.events_of(1)]))
    assert np.all(chunk.component_loss("loss")[ransomware] == 0)
    # business interruption is per_unit * days: at least 20 000 per day of degraded mode.
    assert np.all(
        chunk.component_loss("business_interruption")[ransomware] >= 20_000 * chunk.driver[ransomware]
    )
    assert np.all(np.diff(chunk.year[ransomware]) >= 0)
    assert chunk.n_events == int(chunk.counts.sum())


def test_streams_are_keyed_and_pinned_to_the_layout_version() -> None:
    """Same key, same numbers; any other key, other numbers. The pinned values fail when the mapping from
    keys to numbers changes: then bump STREAM_LAYOUT_VERSION (and update the values here)."""
    assert STREAM_LAYOUT_VERSION == 3
    first = stream(1, 2, 3).random(3)
    assert np.allclose(first, [0.11947627, 0.74195818, 0.40458943])
    assert np.array_equal(first, stream(1, 2, 3).random(3))
    others = [stream(1, 2, 4), stream(1, 3, 2), stream(2, 2, 3), stream(1, 2, 3, 0), stream(1, 2)]
    assert all(not np.array_equal(first, other.random(3)) for other in others)
    assert stream(2**70, 1).random() != stream(2**70 + 1, 1).random()  # seeds beyond 64 bits


def test_block_length_depends_on_the_model_only() -> None:
    assert block_years_for(0.35) == 131_072
    assert block_years_for(1_000.0) == 4_096
    assert block_years_for(1e9) == 1_024


@pytest.mark.parametrize(
    ("years", "seed", "path"),
    [(0, 1, "years"), (True, 1, "years"), (10, -1, "seed"), (10, 1.5, "seed")],
)
def test_bad_run_parameters(years: object, seed: object, path: str) -> None:
    with pytest.raises(ModelError) as caught:
        simulate(MODEL, years, seed)  # type: ignore[arg-type]
    assert caught.value.path == path
