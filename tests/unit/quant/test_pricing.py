"""Technical premium breakdown: known answers."""

import numpy as np
import pytest

from cyber360.quant.policy import Loadings
from cyber360.quant.pricing import allocated_capital, technical_premium


def test_breakdown_known_answer():
    # 200 years: 199 at 0 and one at 2,000,000 -> mean 10,000; VaR 99.5 % = the 199th value... = 0,
    # so take 1000 years with 10 years at 1 M: mean 10,000; VaR 99.5 % = rank 995 = 1 M (10 tail years)
    losses = np.zeros(1000)
    losses[:10] = 1e6
    loadings = Loadings(expense_ratio=0.25, margin=0.05, cost_of_capital=0.06, claims_handling=0.1)
    premium = technical_premium(losses, loadings, complaint_probability=0.95)
    assert premium["expected_loss"] == pytest.approx(9_500.0)
    assert premium["claims_handling"] == pytest.approx(950.0)
    assert premium["risk_premium"] == pytest.approx(10_450.0 / 0.7)
    assert premium["expenses"] == pytest.approx(0.25 * 10_450.0 / 0.7)
    assert premium["capital"] == pytest.approx(1e6)
    assert premium["capital_cost"] == pytest.approx(60_000.0)
    assert premium["technical"] == pytest.approx(10_450.0 / 0.7 + 60_000.0)
    parts = premium["expected_loss"] + premium["claims_handling"] + premium["expenses"] + premium["margin"]
    assert parts == pytest.approx(premium["risk_premium"])


def test_euler_capital_adds_up_to_portfolio_var():
    rng = np.random.default_rng(1)
    a, b = rng.pareto(2.0, 2000) * 1e5, rng.pareto(3.0, 2000) * 1e5
    euler = Loadings(capital_method="euler")
    total = allocated_capital(a, euler, a + b) + allocated_capital(b, euler, a + b)
    var = np.sort(a + b)[int(np.ceil(2000 * 0.995)) - 1]
    assert total == pytest.approx(var)
    with pytest.raises(ValueError):
        allocated_capital(a, euler)
