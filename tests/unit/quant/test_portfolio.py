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
    large = simulate_portfolio(p, 2000, 7, chunk_years=4096)
    same(small, large)
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


def test_dask_two_workers_identical():
    distributed = pytest.importorskip("dask.distributed")
    p = portfolio()
    local = simulate_portfolio(p, 1024, 11, chunk_years=512)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = simulate_portfolio(p, 1024, 11, chunk_years=1024, client=client)
    same(local, remote)
