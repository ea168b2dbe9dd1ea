"""The demo dataset: each area's loader, in dependency order."""

from __future__ import annotations

from cyber360.assess import demo as assess_demo
from cyber360.core.uow import UnitOfWork
from cyber360.cover import claim_demo as cover_claim_demo
from cyber360.cover import cooperative_demo as cover_cooperative_demo
from cyber360.cover import demo as cover_demo
from cyber360.cover import portfolio_demo as cover_portfolio_demo
from cyber360.crisis import demo as crisis_demo
from cyber360.org import demo as org_demo
from cyber360.risk import demo as risk_demo


def present(uow: UnitOfWork) -> bool:
    return org_demo.demo_present(uow)


def load_all(uow: UnitOfWork) -> dict[str, int]:
    """Load every area's demo data in one go; later areas add theirs after the organisation."""
    ids = org_demo.load_demo(uow)
    crisis_demo.load_demo(uow, ids)
    assess_demo.load_demo(uow, ids)
    risk_demo.load_demo(uow, ids)
    cover_demo.load_demo(uow, ids)
    cover_claim_demo.load_demo(uow, ids)
    cover_portfolio_demo.load_demo(uow, ids)
    cover_cooperative_demo.load_demo(uow, ids)
    return ids
