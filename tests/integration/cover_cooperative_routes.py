"""The cooperative view's routes with an id, for the tenancy kit's coverage test (read by ``tenancy.py``'s
``routes_checked_elsewhere``).

None: the view has no object of its own in its paths. ``/api/v1/cooperative/members``,
``/api/v1/cooperative/subscriptions``, ``/api/v1/cooperative/figures``, ``/cooperative`` and
``/cooperative/subscriptions`` name a member GHT in the body, where a GHT that is not a member of the buyer's
cooperative is refused like an unknown id (422 on ``ght_id``). ``test_cover_cooperative.py`` checks them.
"""

CHECKED_BY = "cooperative view: test_cover_cooperative.py"

COVER_COOPERATIVE_ROUTES: dict[str, str] = {}
