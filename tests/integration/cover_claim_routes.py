"""Claims' routes with an id, for the tenancy kit's coverage test (``tenancy.routes_checked_elsewhere``),
and the policies the claims tests create (the demo's own policy comes from another part of the cover area
and may be absent, so these tests never rely on it).

Their isolation is checked by ``test_cover_claim_tenancy.py`` with the kit's helpers and hand-written scopes:
the platform administrator and the cooperative's buyer see no claim; an establishment user sees only their
establishment's claims; an underwriter only the claims on their insurer's policies of the GHTs that granted
it. ``test_cover_claim_tenancy`` fails when a template here is not exercised.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from cyber360.core.db import make_engine, make_session_factory
from cyber360.cover.tables import PolicyRow

CHECKED_BY = "cover claims: test_cover_claim_tenancy.py"

COVER_CLAIM_ROUTES: dict[str, str] = dict.fromkeys(
    [
        "/api/v1/ghts/{id}/claims",
        "/api/v1/policies/{id}/claims",
        "/api/v1/claims/{id}",
        "/api/v1/claims/{id}/items",
        "/api/v1/claims/{id}/items/{item_id}",
        "/api/v1/claims/{id}/evidence",
        "/api/v1/claims/{id}/evidence/{evidence_id}",
        "/api/v1/claims/{id}/transitions/{transition}",
        "/claims/{id}",
        "/claims/{id}/facts",
        "/claims/{id}/items",
        "/claims/{id}/items/{item_id}/delete",
        "/claims/{id}/evidence",
        "/claims/{id}/evidence/{evidence_id}",
        "/claims/{id}/transitions/{transition}",
    ],
    CHECKED_BY,
)

#: Terms of the test policies: every kind of term, hand-checkable amounts.
TERMS: dict[str, Any] = {
    "sections": {
        "asset_damage": {"deductible": 50_000, "limit": 2_000_000},
        "business_interruption": {
            "deductible": 100_000,
            "limit": 1_000_000,
            "annual_aggregate_limit": 1_500_000,
        },
        "crisis_costs": {"limit": 300_000, "share": 0.8},
    },
    "operating_loss": {"waiting_period_hours": 12, "indemnity_period_days": 90},
    "annual_aggregate_limit": 3_000_000,
}
#: The test policies' period holds the crisis demo's ransomware of the CH de l'Estuaire (12 October 2025).
PERIOD = (date(2025, 7, 1), date(2026, 6, 30))


def add_policy(
    db_url: str, ght_id: int, insurer_id: int, *, status: str = "bound", terms: dict[str, Any] | None = None
) -> int:
    """A policy row of a GHT with an insurer (written directly: policies are another part's service)."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine)() as session:
            row = PolicyRow(
                ght_id=ght_id,
                insurer_organisation_id=insurer_id,
                reference=f"TEST-{uuid.uuid4().hex[:12].upper()}",
                product="Cyber hôpital (test)",
                status=status,
                terms=json.dumps(terms or TERMS),
                period_start=PERIOD[0],
                period_end=PERIOD[1],
            )
            session.add(row)
            session.commit()
            return row.id
    finally:
        engine.dispose()
