"""The crisis area's routes with an id, for the tenancy kit's coverage test (registered in ``tenancy.py``).

Their isolation is checked by ``test_crisis_tenancy.py`` with the kit's helpers and hand-written scopes:
the cooperative's buyer sees no crisis data at all, which the generic checks (every account sees something
of every resource) do not allow. ``test_crisis_tenancy`` fails when a template here is not exercised.
"""

CHECKED_BY = "crisis area: test_crisis_tenancy.py"

CRISIS_ROUTES: dict[str, str] = dict.fromkeys(
    [
        "/api/v1/crisis-plans/{id}",
        "/api/v1/crisis-plans/{id}/cell",
        "/api/v1/crisis-plans/{id}/contacts",
        "/api/v1/crisis-plans/{id}/contacts/{contact_id}",
        "/api/v1/crisis-plans/{id}/applications",
        "/api/v1/crisis-plans/{id}/applications/{application_id}",
        "/crisis/plans/{id}",
        "/crisis/plans/{id}/edit",
        "/crisis/plans/{id}/cell",
        "/crisis/plans/{id}/contacts",
        "/crisis/plans/{id}/contacts/{contact_id}/delete",
        "/crisis/plans/{id}/applications",
        "/crisis/plans/{id}/applications/{application_id}/delete",
        "/crisis/establishments/{id}/kit.html",
        "/crisis/establishments/{id}/kit.pdf",
        "/api/v1/incidents/{id}",
        "/api/v1/incidents/{id}/status",
        "/api/v1/incidents/{id}/clocks/{kind}",
        "/api/v1/incidents/{id}/tasks",
        "/api/v1/incidents/{id}/tasks/{task_id}",
        "/api/v1/incidents/{id}/close",
        "/api/v1/incidents/{id}/log",
        "/api/v1/incidents/{id}/log/verify",
        "/api/v1/incidents/{id}/log/{sequence}",
        "/api/v1/incidents/{id}/decisions",
        "/crisis/incidents/{id}",
        "/crisis/incidents/{id}/sitrep",
        "/crisis/incidents/{id}/sitrep.pdf",
        "/crisis/incidents/{id}/log",
        "/crisis/incidents/{id}/tasks/{task_id}",
        "/crisis/incidents/{id}/clocks/{kind}",
        "/crisis/incidents/{id}/status",
        "/crisis/incidents/{id}/close",
        "/api/v1/exercises/{id}",
        "/api/v1/exercises/{id}/feed",
        "/api/v1/exercises/{id}/start",
        "/api/v1/exercises/{id}/injects/{inject_id}/release",
        "/api/v1/exercises/{id}/actions/{action_id}",
        "/api/v1/exercises/{id}/end",
        "/crisis/exercises/{id}",
        "/crisis/exercises/{id}/play",
        "/crisis/exercises/{id}/start",
        "/crisis/exercises/{id}/injects/{inject_id}/release",
        "/crisis/exercises/{id}/actions/{action_id}",
        "/crisis/exercises/{id}/end",
        "/api/v1/ghts/{id}/playbooks/{scenario}",
        "/crisis/ghts/{id}/playbooks/{scenario}",
    ],
    CHECKED_BY,
)
