"""Demo data of the portfolio accumulation: one small run (a few thousand years, computed at once) for each
demo insurer whose book holds a bound policy, started through the service as its first underwriter. Nothing
when no policy is bound (the policy demo is the cover area's own)."""

from __future__ import annotations

from sqlalchemy import select

from cyber360.core.db import make_session_factory
from cyber360.core.uow import UnitOfWork
from cyber360.cover import portfolio_service as service
from cyber360.org.auth import build_principal
from cyber360.org.tables import OrganisationRow, UserRow

DEMO_YEARS = 5_000
DEMO_SEED = 42


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    """``ids``: the organisation demo's ids (unused: the underwriters are found by role)."""
    created: dict[str, int] = {}
    underwriters = uow.session.execute(
        select(UserRow)
        .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
        .where(OrganisationRow.kind == "insurer", UserRow.role == "underwriter", UserRow.is_active)
        .order_by(UserRow.id)
    ).scalars()
    runner = service.PortfolioRunner(make_session_factory(uow.session.get_bind()))  # type: ignore[arg-type]
    for user in list(underwriters):
        principal = build_principal(uow, user)
        if f"cover_portfolio_run:{principal.organisation_id}" in created:
            continue
        if not service.current_book(uow, principal):
            continue
        command = service.RunCreate(years=DEMO_YEARS, seed=DEMO_SEED)
        row = service.start_run(uow, principal, runner, command)
        created[f"cover_portfolio_run:{principal.organisation_id}"] = row.id
    uow.commit()
    return created
