"""Technical premium of a policy from its simulated net annual losses.

    expected_loss   = complaint_probability x mean(net annual loss)
    claims_handling = loadings.claims_handling x expected_loss
    risk_premium    = (expected_loss + claims_handling) / (1 - expense_ratio - margin)
    expenses        = expense_ratio x risk_premium;   margin = margin x risk_premium
    capital_cost    = cost_of_capital x capital
    technical       = risk_premium + capital_cost

``complaint_probability`` prices the L.12-10-1 condition (no indemnity without a complaint within 72 h) as
the expected share of losses with a complaint filed in time (assumption 0.95, range 0.9-1.0). It scales
the expected loss only: capital is held on the unreduced net losses (a prudent choice, the complaint being
near-certain after a large attack).

Capital, at ``capital_level`` (99.5 %, Solvency II):

- ``standalone``: the policy's own VaR of its net annual loss;
- ``euler``: the portfolio's VaR allocated by the TVaR (Euler) contribution of the policy, rescaled so that
  the policies' capitals add up to the portfolio's VaR: ``VaR(S) x E[X | S in tail] / TVaR(S)``, ``X`` the
  policy's and ``S`` the portfolio's net annual loss over the same simulated years. Contributions to VaR
  itself rest on the few years at the quantile and are too noisy; the TVaR tail spreads them smoothly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from cyber360.quant.metrics import LossCurve, tvar_contributions
from cyber360.quant.policy import Loadings


def allocated_capital(
    net_annual: npt.ArrayLike, loadings: Loadings, portfolio_annual: npt.ArrayLike | None = None
) -> float:
    """Capital of the policy (see the module doc); ``euler`` needs the portfolio's annual series."""
    policy = np.asarray(net_annual, dtype=np.float64)
    level = loadings.capital_level
    if loadings.capital_method == "standalone" or portfolio_annual is None:
        if loadings.capital_method == "euler":
            raise ValueError("capital_method euler needs the portfolio's annual losses")
        return LossCurve(policy).quantile(level)
    portfolio = np.asarray(portfolio_annual, dtype=np.float64)
    if portfolio.shape != policy.shape:
        raise ValueError("portfolio_annual must hold one value per simulated year of net_annual")
    curve = LossCurve(portfolio)
    value_at_risk, tail = curve.quantile(level), curve.tail_mean(level)
    if not tail > 0.0:
        return 0.0
    contribution = float(tvar_contributions(policy[None, :], [level], total=portfolio, curve=curve)[0, 0])
    return value_at_risk * contribution / tail


def technical_premium(
    net_annual: npt.ArrayLike,
    loadings: Loadings,
    *,
    complaint_probability: float = 1.0,
    portfolio_annual: npt.ArrayLike | None = None,
) -> dict[str, Any]:
    """The premium and its breakdown (JSON-ready)."""
    if not 0.0 <= complaint_probability <= 1.0:
        raise ValueError("complaint_probability must lie in [0, 1]")
    losses = np.asarray(net_annual, dtype=np.float64)
    mean_net = float(LossCurve(losses).average().value)
    expected_loss = complaint_probability * mean_net
    claims_handling = loadings.claims_handling * expected_loss
    risk_premium = (expected_loss + claims_handling) / (1.0 - loadings.expense_ratio - loadings.margin)
    capital = allocated_capital(losses, loadings, portfolio_annual)
    capital_cost = loadings.cost_of_capital * capital
    return {
        "technical": risk_premium + capital_cost,
        "expected_loss": expected_loss,
        "expected_net_loss_before_complaint": mean_net,
        "complaint_probability": complaint_probability,
        "claims_handling": claims_handling,
        "expenses": loadings.expense_ratio * risk_premium,
        "margin": loadings.margin * risk_premium,
        "risk_premium": risk_premium,
        "capital": capital,
        "capital_cost": capital_cost,
        "capital_method": loadings.capital_method if portfolio_annual is not None else "standalone",
        "capital_level": loadings.capital_level,
        "loadings": {
            "expense_ratio": loadings.expense_ratio,
            "margin": loadings.margin,
            "cost_of_capital": loadings.cost_of_capital,
            "claims_handling": loadings.claims_handling,
        },
    }
