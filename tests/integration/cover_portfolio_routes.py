"""The portfolio accumulation's routes with an id, for the tenancy kit's coverage test (read by ``tenancy.py``
through ``routes_checked_elsewhere``).

Their isolation is checked by ``test_cover_portfolio_tenancy.py`` with the kit's helpers and hand-written
scopes: a run is its insurer's (underwriters and viewers), shown only while every GHT in it still grants the
insurer; every other role has no portfolio at all. ``test_cover_portfolio_tenancy`` fails when a template
here is not exercised.
"""

CHECKED_BY = "cover portfolio: test_cover_portfolio_tenancy.py"

COVER_PORTFOLIO_ROUTES: dict[str, str] = dict.fromkeys(
    [
        "/api/v1/cover/portfolio/runs/{id}",
        "/api/v1/cover/portfolio/runs/{id}/progress",
        "/api/v1/cover/portfolio/runs/{id}/rerun",
        "/cover/portfolio/runs/{id}",
        "/cover/portfolio/runs/{id}/rerun",
    ],
    CHECKED_BY,
)
