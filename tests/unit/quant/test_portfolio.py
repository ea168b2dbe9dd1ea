"""Portfolio: reproducible across chunk sizes and on a two-worker Dask cluster; consistent with the engine."""

import numpy as np
import pytest

from cyber360.quant.distributions import Fixed, LogNormal, Uniform
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.policy import Policy, Section
from cyber360.quant.portfolio import (
    Group,
    Portfolio,
    Risk,
    Supplier,
    SystemicWave,
    portfolio_summary,
    simulate_portfolio,
)
from cyber360.quant.simulate import simulate
from cyber360.quant.streams import name_key


def model(scale: float) -> Model:
    magnitude = Magnitude(
        (
            Component("asset_damage", base=LogNormal.from_median(1e5 * scale, 1.0)),
            Component("business_interruption", per_unit=Fixed(2e4 * scale)),
        ),
        Driver("degraded_mode_days", Uniform(1.0, 20.0), "days"),
    )
    return Model(
        (
            Scenario("ransomware", Frequency(Uniform(0.05, 0.15)), magnitude),
            Scenario("supplier_compromise", Frequency(Fixed(0.05)), magnitude),
        )
    )


def portfolio() -> Portfolio:
    policy = Policy({"all": Section(deductible=5e4, limit=1e6)}, annual_aggregate_limit=2e6)
    shared = Model(
        (Scenario("ght_shared_is_ransomware", Frequency(Fixed(0.02)), model(3.0).scenarios[0].magnitude),)
    )
    groups = (Group("g0", policy, shared), Group("g1", policy), Group("g2", None))
    risks = tuple(Risk(f"e{i}", model(1 + i % 3), i % 3, (i % 2,)) for i in range(7))
    return Portfolio(
        groups, risks, (Supplier("s0", 0.05), Supplier("s1", 0.1)), SystemicWave(0.05, 0.5), block_years=512
    )


def same(a, b):
    for name in ("gross", "net"):
        x, y = getattr(a, name), getattr(b, name)
        for field in ("total", "occurrence", "by_group", "by_label"):
            assert np.array_equal(getattr(x, field), getattr(y, field)), (name, field)


def test_identical_across_chunk_sizes_and_prefix_of_longer_run():
    p = portfolio()
    small = simulate_portfolio(p, 2000, 7, chunk_years=512)
    for chunk in (1024, 1500, 4096, None):
        same(small, simulate_portfolio(p, 2000, 7, chunk_years=chunk))
    longer = simulate_portfolio(p, 3333, 7, chunk_years=1024)
    for name in ("gross", "net"):
        x, y = getattr(small, name), getattr(longer, name)
        for field in ("total", "occurrence", "by_group", "by_label"):
            assert np.array_equal(getattr(x, field), getattr(y, field)[..., :2000]), (name, field)
    assert (small.net.total <= small.gross.total + 1e-6).all()
    assert small.net.by_group[2].sum() == 0.0  # the uninsured GHT
    summary = portfolio_summary(small)
    assert summary["gross"]["aal"] > summary["net"]["aal"] > 0
    assert set(summary["gross"]["by_scenario"]) == {
        "ransomware",
        "supplier_compromise",
        "ght_shared_is_ransomware",
        "common_supplier",
        "systemic_wave",
    }
    by_ght = sum(v["aal"] for v in summary["gross"]["by_ght"].values())
    assert by_ght == pytest.approx(summary["gross"]["aal"])


def test_own_scenarios_match_the_engine_streams():
    p = Portfolio((Group("g"),), (Risk("e0", model(1.0), 0),), block_years=512)
    result = simulate_portfolio(p, 1000, 3)
    engine = simulate(model(1.0), 1000, 3, block_years=512, key_prefix=(name_key("e0"),))
    assert np.allclose(result.gross.total, engine.total_aggregate, rtol=1e-12)


def test_work_units_group_whole_ghts_and_change_only_rounding():
    p = portfolio()
    assert p.units == ((0, 3),)  # 7 risks: one unit
    split = Portfolio(p.groups, p.risks, p.suppliers, p.wave, block_years=512, unit_risks=2)
    assert split.units == ((0, 1), (1, 2), (2, 3))
    a, b = simulate_portfolio(p, 1500, 3), simulate_portfolio(split, 1500, 3)
    for name in ("gross", "net"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(x.by_group, y.by_group)  # each GHT's own sums: whole in one unit
        assert np.allclose(x.by_label, y.by_label, rtol=1e-12, atol=1e-6)  # sums across GHTs
        assert np.allclose(x.occurrence, y.occurrence, rtol=1e-12, atol=1e-6)


def test_gross_average_annual_loss_is_the_sum_of_the_exact_ones():
    """Known answer: own scenarios, shared shocks, supplier events and wave hits, at a fixed seed."""
    p = portfolio()
    exact = sum(r.model.expected_annual_loss() for r in p.risks)
    exact += sum(g.shared.expected_annual_loss() for g in p.groups if g.shared is not None)
    for risk in p.risks:
        magnitudes = {s.name: s.magnitude for s in risk.model.scenarios}
        exact += sum(p.suppliers[s].rate for s in risk.suppliers) * magnitudes[p.supplier_scenario].mean()
        assert p.wave is not None
        exact += p.wave.probability * p.wave.share * magnitudes[p.wave.scenario].mean()
    years, done = 60_000, []
    result = simulate_portfolio(p, years, 5, progress=lambda d, t: done.append((d, t)))
    assert done[-1][0] == done[-1][1] == len(done)
    total = result.gross.total
    stderr = total.std() / np.sqrt(years)
    assert abs(total.mean() - exact) < 4 * stderr, (total.mean(), exact, stderr)
    assert np.allclose(result.gross.by_group.sum(axis=0), total)
    assert np.allclose(result.gross.by_label.sum(axis=0), total)


def test_dask_two_workers_identical():
    """Two worker processes give the numbers of one process: three units, one or three chunks, the
    per-label sums added on the workers."""
    distributed = pytest.importorskip("dask.distributed")
    base = portfolio()
    p = Portfolio(base.groups, base.risks, base.suppliers, base.wave, block_years=512, unit_risks=2)
    assert len(p.units) == 3
    local = simulate_portfolio(p, 1300, 11, chunk_years=512)
    done = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = simulate_portfolio(p, 1300, 11, chunk_years=2048, client=client)
        again = simulate_portfolio(p, 1300, 11, client=client, progress=lambda d, t: done.append((d, t)))
    same(local, remote)
    same(local, again)
    assert done[-1] == (9, 9) and len(done) == 9  # 3 units x 3 chunks of one block
