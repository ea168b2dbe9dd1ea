"""Demo data of the cooperative view: GHT-wide risk results for the subscribed member GHTs that have none.

The risk area's demo computes results for GHTs A and B (their security officers' accounts). The other
subscribed members of the demo (organisation.yaml, GHTs D to G, without accounts) need results too, or
every risk figure of the cooperative would be drawn from fewer than five GHTs and withheld. They are
computed through the risk service, acting for each GHT as its own manager (a principal of the demo loader
with that GHT's scope, no user account), on the catalogue's default maturities (no assessment: the
cooperative's maturity figure counts only assessed GHTs). A few thousand simulated years suffice here.
"""

from __future__ import annotations

from sqlalchemy import select

from cyber360.core.scope import OrganisationKind, Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.org.tables import GhtRow
from cyber360.risk import service as risk_service
from cyber360.risk.tables import RiskSnapshotRow

DEMO_YEARS = 5_000
LOADER = "demo-loader"


def ght_manager_of(ght: GhtRow) -> Principal:
    """The demo loader acting as the GHT's manager (its scope only; no user account behind it)."""
    return Principal(
        user_id=0,
        email=LOADER,
        display_name=LOADER,
        role=Role.GHT_MANAGER,
        organisation_id=ght.organisation_id,
        organisation_kind=OrganisationKind.GHT,
        readable_ght_ids=frozenset({ght.id}),
        writable_ght_ids=frozenset({ght.id}),
    )


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    """A GHT-wide snapshot for every subscribed member GHT without one; returns their ids."""
    with_results = select(RiskSnapshotRow.ght_id).where(RiskSnapshotRow.establishment_id.is_(None))
    ghts = uow.session.execute(
        select(GhtRow)
        .where(GhtRow.cooperative_id.is_not(None), GhtRow.subscribed, GhtRow.id.not_in(with_results))
        .order_by(GhtRow.id)
    ).scalars()
    created: dict[str, int] = {}
    for ght in list(ghts):
        row = risk_service.run_now(uow, ght_manager_of(ght), ght_id=ght.id, years=DEMO_YEARS)
        created[f"risk_snapshot:ght:{ght.id}"] = row.id
    uow.commit()
    return created
