"""The risk area's routes with an id, for the tenancy kit's coverage test (registered in ``tenancy.py``).

Their isolation is checked by ``test_risk_tenancy.py`` with the kit's helpers and hand-written scopes: the
platform administrator and the cooperative's buyer see no risk data; an establishment user sees their own
establishment's figures and plan, not the GHT-wide ones.
"""

CHECKED_BY = "risk area: test_risk_tenancy.py"

RISK_ROUTES: dict[str, str] = dict.fromkeys(
    [
        "/api/v1/establishments/{id}/risk",
        "/api/v1/establishments/{id}/risk/snapshots",
        "/api/v1/establishments/{id}/risk/runs",
        "/api/v1/establishments/{id}/risk/tornado",
        "/api/v1/establishments/{id}/plan",
        "/api/v1/establishments/{id}/plan/actions",
        "/api/v1/establishments/{id}/plan/rank",
        "/api/v1/establishments/{id}/plan/import-lessons",
        "/api/v1/ghts/{id}/risk",
        "/api/v1/ghts/{id}/risk/snapshots",
        "/api/v1/ghts/{id}/risk/runs",
        "/api/v1/ghts/{id}/plan",
        "/api/v1/ghts/{id}/report.pdf",
        "/api/v1/risk/snapshots/{id}",
        "/api/v1/risk/snapshots/{id}/compare",
        "/api/v1/risk/jobs/{id}",
        "/api/v1/plan/actions/{id}",
        "/establishments/{id}/risk",
        "/establishments/{id}/risk/runs",
        "/establishments/{id}/risk/compare",
        "/establishments/{id}/risk/tornado",
        "/establishments/{id}/plan",
        "/establishments/{id}/plan/actions",
        "/establishments/{id}/plan/rank",
        "/ghts/{id}/risk",
        "/ghts/{id}/risk/runs",
        "/risk/jobs/{id}",
        "/plan/actions/{id}",
    ],
    CHECKED_BY,
)
