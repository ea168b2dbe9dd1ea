"""The cover area's policy and quote routes with an id, for the tenancy kit's coverage test (read by
``tenancy.routes_checked_elsewhere``).

Their isolation is checked by ``test_cover_policy_tenancy.py`` with the kit's helpers and hand-written
scopes: a policy and its quotes are read by the GHT's own people (not an establishment user), its
consultant, and its insurer for the policies it underwrites; the platform administrator and the
cooperative's buyer see none.
"""

CHECKED_BY = "cover area, policies and quotes: test_cover_policy_tenancy.py"

COVER_POLICY_ROUTES: dict[str, str] = dict.fromkeys(
    [
        "/api/v1/ghts/{id}/policies",
        "/api/v1/policies/{id}",
        "/api/v1/policies/{id}/quotes",
        "/api/v1/policies/{id}/underwriting.pdf",
        "/api/v1/quotes/{id}",
        "/ghts/{id}/policies",
        "/ghts/{id}/policies/new",
        "/policies/{id}",
        "/policies/{id}/terms",
        "/policies/{id}/status",
        "/policies/{id}/quotes",
        "/quotes/{id}",
    ],
    CHECKED_BY,
)
