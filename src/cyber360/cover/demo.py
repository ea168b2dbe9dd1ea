"""Demo data of the cover area (policies and quotes): the demo insurer's bound policy on GHT A (which
granted it access), from the packaged product, and one quote, made through the services as the demo
underwriter. GHT B subscribed the offer but granted no insurer: it has no policy.

Runs after the risk demo (GHT A's plan is ranked, so the quote shows the premium after its top actions).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cyber360.core.uow import UnitOfWork
from cyber360.cover import policy_service, products, quote_service
from cyber360.cover.model import PolicyCreate, PolicyStatus, PolicyUpdate, QuoteCreate
from cyber360.org.auth import build_principal
from cyber360.org.tables import UserRow

UNDERWRITER = "assureur@demo.test"
#: A quick quote for the demo: a few thousand simulated years (the pages offer more).
DEMO_QUOTE_YEARS = 5_000


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> dict[str, int]:
    created: dict[str, int] = {}
    user = uow.session.execute(select(UserRow).where(UserRow.email == UNDERWRITER)).scalar_one_or_none()
    ght_id = ids.get("ght:a")
    if user is None or ght_id is None:
        return created
    underwriter = build_principal(uow, user)
    year = date.today().year  # the calendar year in progress: the demo's incidents fall within it
    command = PolicyCreate(
        product=products.default_product().key, period_start=date(year, 1, 1), period_end=date(year, 12, 31)
    )
    policy = policy_service.create_policy(uow, underwriter, ght_id, command)
    policy_service.update_policy(uow, underwriter, policy.id, PolicyUpdate(status=PolicyStatus.BOUND))
    quote = quote_service.create_quote(uow, underwriter, policy.id, QuoteCreate(years=DEMO_QUOTE_YEARS))
    created["cover_policy:a"] = policy.id
    created["cover_quote:a"] = quote.id
    uow.commit()
    return created
