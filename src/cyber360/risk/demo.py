"""Demo data of the risk area: results and a ranked plan for each establishment of GHTs A and B, and the
GHT-wide results, computed through the services as each GHT's demo security officer (20,000 years: quick)."""

from __future__ import annotations

from sqlalchemy import select

from cyber360.core.uow import UnitOfWork
from cyber360.org.auth import build_principal
from cyber360.org.tables import EstablishmentRow, GhtRow, UserRow
from cyber360.risk import plan_service, service

DEMO_YEARS = 20_000
OFFICERS = ("rssi-a@demo.test", "rssi-b@demo.test")


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    created: dict[str, int] = {}
    for email in OFFICERS:
        user = uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one_or_none()
        if user is None:
            continue
        officer = build_principal(uow, user)
        for ght_id in sorted(officer.writable_ght_ids):
            establishments = uow.session.execute(
                select(EstablishmentRow)
                .where(EstablishmentRow.ght_id == ght_id)
                .order_by(EstablishmentRow.id)
            ).scalars()
            for establishment in establishments:
                row = service.run_now(uow, officer, establishment_id=establishment.id, years=DEMO_YEARS)
                created[f"risk_snapshot:{establishment.id}"] = row.id
                plan_service.rank(uow, officer, establishment.id)
            ght = uow.session.get(GhtRow, ght_id)
            assert ght is not None
            created[f"risk_snapshot:ght:{ght_id}"] = service.run_now(
                uow, officer, ght_id=ght_id, years=DEMO_YEARS
            ).id
    uow.commit()
    return created
