"""The organisation API: who may change what, and bad input answered field by field in the user's language."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from tenancy import (
    ACHETEUR,
    ADMIN,
    ASSUREUR,
    CONSULTANT,
    DG_A,
    ETAB,
    MEMBER_GHTS,
    NONEXISTENT_ID,
    RSSI_A,
    RSSI_B,
)

from cyber360.org.tables import UserRow

NEW_ESTABLISHMENT = {
    "name": "Clinique publique de Retz",
    "finess": "440400075",
    "kind": "hopital_proximite",
    "beds": 40,
    "annual_revenue_eur": 9_000_000,
    "patients_per_year": 4_000,
}


def _fields(answer) -> list[str | None]:
    return [error["field"] for error in answer.json()["detail"]]


def _messages(answer) -> dict[str | None, str]:
    return {error["field"]: error["msg"] for error in answer.json()["detail"]}


# Me ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "role", "ghts"),
    [
        (ADMIN, "platform_admin", set()),
        (RSSI_A, "ght_manager", {"a"}),
        (DG_A, "viewer", {"a"}),
        (ASSUREUR, "underwriter", {"a"}),
        (CONSULTANT, "consultant", {"a", "b"}),
        (ACHETEUR, "cooperative_buyer", set(MEMBER_GHTS)),
    ],
)
def test_me_tells_role_and_scope(email, role, ghts, login_as, directory):
    me = login_as(email).get("/api/v1/me").json()
    assert me["email"] == email and me["role"] == role
    assert set(me["readable_ght_ids"]) == {directory.ghts[key] for key in ghts}


# GHTs -------------------------------------------------------------------------------------------------------


def test_only_the_platform_admin_creates_a_ght(login_as, tenant_rows):
    rows = tenant_rows()
    for email in (RSSI_A, ACHETEUR, CONSULTANT):
        assert (
            login_as(email).post("/api/v1/ghts", json={"name": "GHT X", "region": "Corse"}).status_code == 403
        )
    assert tenant_rows() == rows
    created = login_as(ADMIN).post("/api/v1/ghts", json={"name": "GHT de Corse", "region": "Corse"})
    assert created.status_code == 201
    assert created.json()["subscribed"] is False


def test_ght_changes_by_role(login_as, directory):
    ght_a = directory.ghts["a"]
    assert (
        login_as(RSSI_A).patch(f"/api/v1/ghts/{ght_a}", json={"region": "Loire-Atlantique"}).status_code
        == 200
    )
    assert login_as(DG_A).patch(f"/api/v1/ghts/{ght_a}", json={"region": "Ailleurs"}).status_code == 403
    assert login_as(CONSULTANT).patch(f"/api/v1/ghts/{ght_a}", json={"region": "Ailleurs"}).status_code == 403
    # Subscription is the cooperative's decision.
    assert login_as(RSSI_A).patch(f"/api/v1/ghts/{ght_a}", json={"subscribed": False}).status_code == 403
    ght_c = directory.ghts["c"]
    subscribed = login_as(ACHETEUR).patch(f"/api/v1/ghts/{ght_c}", json={"subscribed": True})
    assert subscribed.status_code == 200 and subscribed.json()["subscribed"] is True
    assert login_as(ACHETEUR).patch(f"/api/v1/ghts/{ght_c}", json={"name": "Autre"}).status_code == 403
    # The offer is reserved to the cooperative's members: not even the administrator subscribes an outsider.
    outsider = login_as(ADMIN).patch(f"/api/v1/ghts/{directory.ghts['x']}", json={"subscribed": True})
    assert outsider.status_code == 422 and "subscribed" in outsider.text


def test_the_support_establishment_must_belong_to_the_ght(login_as, directory):
    client = login_as(RSSI_A)
    url = f"/api/v1/ghts/{directory.ghts['a']}"
    foreign = client.patch(url, json={"support_establishment_id": directory.establishments["ch-armor"]})
    missing = client.patch(url, json={"support_establishment_id": NONEXISTENT_ID})
    assert foreign.status_code == missing.status_code == 422
    assert foreign.json() == missing.json(), "another GHT's establishment looks like a nonexistent one"
    assert _fields(foreign) == ["support_establishment_id"]
    own = client.patch(url, json={"support_establishment_id": directory.establishments["ch-anjou"]})
    assert own.status_code == 200


# Establishments ---------------------------------------------------------------------------------------------


def test_establishment_creation_and_changes_by_role(login_as, directory):
    ght_a = directory.ghts["a"]
    created = login_as(RSSI_A).post("/api/v1/establishments", json={"ght_id": ght_a, **NEW_ESTABLISHMENT})
    assert created.status_code == 201, created.text
    assert created.json()["ght_id"] == ght_a
    for email in (DG_A, ETAB, CONSULTANT, ASSUREUR):
        other = {**NEW_ESTABLISHMENT, "finess": "440400083"}
        assert (
            login_as(email).post("/api/v1/establishments", json={"ght_id": ght_a, **other}).status_code == 403
        )

    estuaire = f"/api/v1/establishments/{directory.establishments['ch-estuaire']}"
    assert login_as(ETAB).patch(estuaire, json={"beds": 630}).status_code == 200
    chu = f"/api/v1/establishments/{directory.establishments['chu-loire']}"
    assert login_as(ETAB).patch(chu, json={"beds": 1}).status_code == 404, "another establishment of its GHT"
    assert login_as(DG_A).patch(estuaire, json={"beds": 1}).status_code == 403


@pytest.mark.parametrize("email", [ASSUREUR, CONSULTANT])
def test_granted_organisations_read_but_do_not_rewrite_the_directory(email, login_as, directory):
    """An insurer must not change the revenue or beds it prices on; a consultant works on assessments."""
    url = f"/api/v1/establishments/{directory.establishments['chu-loire']}"
    client = login_as(email)
    assert client.get(url).status_code == 200
    assert client.patch(url, json={"annual_revenue_eur": 1}).status_code == 403
    assert client.get(url).json()["annual_revenue_eur"] == 1_050_000_000


def test_establishments_can_be_filtered_by_ght(login_as, directory):
    answer = login_as(CONSULTANT).get(f"/api/v1/establishments?ght_id={directory.ghts['b']}")
    assert {item["ght_id"] for item in answer.json()} == {directory.ghts["b"]}
    assert len(answer.json()) == 4


# Users ------------------------------------------------------------------------------------------------------


def _user(organisation_id: int, **overrides):
    return {
        "email": "nouveau.compte@exemple.fr",
        "display_name": "Nouveau compte",
        "password": "un-mot-de-passe-long",
        "organisation_id": organisation_id,
        "role": "viewer",
        **overrides,
    }


def test_a_ght_manager_manages_the_users_of_their_organisation_only(login_as, directory):
    client = login_as(RSSI_A)
    organisation_a = client.get("/api/v1/me").json()["organisation_id"]
    organisation_b = login_as(RSSI_B).get("/api/v1/me").json()["organisation_id"]
    created = client.post("/api/v1/users", json=_user(organisation_a))
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "viewer"

    other = client.post("/api/v1/users", json=_user(organisation_b, email="b@exemple.fr"))
    missing = client.post("/api/v1/users", json=_user(NONEXISTENT_ID, email="b@exemple.fr"))
    assert other.status_code == missing.status_code == 422
    assert other.json() == missing.json() and _fields(other) == ["organisation_id"]

    admin_role = client.post(
        "/api/v1/users", json=_user(organisation_a, email="c@exemple.fr", role="platform_admin")
    )
    assert admin_role.status_code == 422 and _fields(admin_role) == ["role"]

    foreign = client.post(
        "/api/v1/users",
        json=_user(
            organisation_a,
            email="d@exemple.fr",
            role="establishment_user",
            establishment_id=directory.establishments["ch-armor"],
        ),
    )
    assert foreign.status_code == 422 and _fields(foreign) == ["establishment_id"]

    myself = client.patch(f"/api/v1/users/{directory.users[RSSI_A]}", json={"is_active": False})
    assert myself.status_code == 422 and _fields(myself) == ["is_active"]
    assert (
        login_as(DG_A).post("/api/v1/users", json=_user(organisation_a, email="e@exemple.fr")).status_code
        == 403
    )


def test_a_role_change_ends_the_users_sessions(login_as, directory):
    victim = login_as(DG_A)
    answer = login_as(RSSI_A).patch(f"/api/v1/users/{directory.users[DG_A]}", json={"role": "ght_manager"})
    assert answer.status_code == 200
    assert victim.get("/api/v1/me").status_code == 401
    assert login_as(DG_A).get("/api/v1/me").json()["role"] == "ght_manager"


# Grants -----------------------------------------------------------------------------------------------------


def test_grants_by_role(login_as, directory):
    ght_a, ght_c = directory.ghts["a"], directory.ghts["c"]
    insurer, cooperative = directory.organisations["insurer"], directory.organisations["cooperative"]
    rssi_a = login_as(RSSI_A)
    assert (
        rssi_a.post("/api/v1/grants", json={"ght_id": ght_a, "organisation_id": insurer}).status_code == 409
    )
    not_grantable = rssi_a.post("/api/v1/grants", json={"ght_id": ght_a, "organisation_id": cooperative})
    assert not_grantable.status_code == 422 and _fields(not_grantable) == ["organisation_id"]
    grant = login_as(RSSI_A.replace("-a", "-c")).post(
        "/api/v1/grants", json={"ght_id": ght_c, "organisation_id": insurer}
    )
    assert grant.status_code == 201, grant.text
    assert login_as(ASSUREUR).get(f"/api/v1/ghts/{ght_c}").status_code == 200
    # Only the GHT's manager grants or revokes.
    grant_id = grant.json()["id"]
    assert login_as(ASSUREUR).delete(f"/api/v1/grants/{grant_id}").status_code == 403
    assert login_as(ACHETEUR).delete(f"/api/v1/grants/{grant_id}").status_code == 403
    assert (
        login_as(ADMIN).post("/api/v1/grants", json={"ght_id": ght_a, "organisation_id": insurer}).status_code
        == 403
    )
    organisations = {item["id"] for item in rssi_a.get("/api/v1/organisations?grantable=true").json()}
    assert insurer in organisations and cooperative not in organisations
    assert login_as(DG_A).get("/api/v1/organisations").json() == []


# Bad input --------------------------------------------------------------------------------------------------


def test_missing_fields_are_named_in_french_by_default(login_as, tenant_rows, audit_log):
    client = login_as(RSSI_A)
    rows, records = tenant_rows(), len(audit_log())
    answer = client.post("/api/v1/establishments", json={"name": "Sans le reste"})
    assert answer.status_code == 422
    assert set(_fields(answer)) == {
        "ght_id",
        "finess",
        "kind",
        "beds",
        "annual_revenue_eur",
        "patients_per_year",
    }
    assert set(_messages(answer).values()) == {"Ce champ est obligatoire."}
    assert tenant_rows() == rows and len(audit_log()) == records


@pytest.mark.parametrize(
    ("change", "field", "french", "english"),
    [
        (
            {"name": "x" * 201},
            "name",
            "Trop long : au plus 200 caractères.",
            "Too long: at most 200 characters.",
        ),
        ({"name": "x"}, "name", "Trop court : au moins 2 caractères.", "Too short: at least 2 characters."),
        ({"beds": "beaucoup"}, "beds", "Nombre entier attendu.", "Whole number expected."),
        ({"beds": 1.5}, "beds", "Nombre entier attendu.", "Whole number expected."),
        ({"beds": -1}, "beds", "Doit être supérieur ou égal à 0.", "Must be greater than or equal to 0."),
        ({"kind": "clinique"}, "kind", None, None),
        ({"finess": "440400001"}, "finess", "Numéro FINESS invalide (9 caractères, clé de contrôle).", None),
        ({"patients": 3}, "patients", "Champ inconnu.", "Unknown field."),
        ({"annual_revenue_eur": 10**12}, "annual_revenue_eur", None, None),
    ],
    ids=[
        "overlong",
        "short",
        "text-for-int",
        "float-for-int",
        "negative",
        "choice",
        "finess",
        "extra",
        "huge",
    ],
)
def test_bad_values_name_the_field_in_the_users_language(change, field, french, english, world):
    rows = world.tenant_rows()
    client = world.client(RSSI_A)
    url = f"/api/v1/establishments/{world.directory.establishments['ch-estuaire']}"
    answer = client.patch(url, json=change)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == [field]
    message_fr = _messages(answer)[field]
    if french:
        assert message_fr == french

    in_english = client.patch(url, json=change, headers={"Accept-Language": "en-GB,en;q=0.9"})
    message_en = _messages(in_english)[field]
    with world.engine.begin() as connection:
        connection.execute(update(UserRow).where(UserRow.email == RSSI_A).values(locale="en"))
    try:
        by_preference = _messages(client.patch(url, json=change))[field]
    finally:
        with world.engine.begin() as connection:
            connection.execute(update(UserRow).where(UserRow.email == RSSI_A).values(locale="fr"))
    for message in (message_en, by_preference):
        assert message != message_fr, "no English message"
        if english:
            assert message == english
    assert world.tenant_rows() == rows


def test_anonymous_bad_input_follows_accept_language(anonymous):
    french = anonymous.post("/api/v1/auth/login", json={"email": "x@y.fr"})
    english = anonymous.post(
        "/api/v1/auth/login", json={"email": "x@y.fr"}, headers={"Accept-Language": "en"}
    )
    assert _messages(french) == {"password": "Ce champ est obligatoire."}
    assert _messages(english) == {"password": "This field is required."}
    wrong = anonymous.post(
        "/api/v1/auth/login", json={"email": "x@y.fr", "password": "x"}, headers={"Accept-Language": "en"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["detail"][0]["msg"] == "Wrong e-mail address or password."


def test_unknown_ids(login_as, tenant_rows):
    rows = tenant_rows()
    client = login_as(RSSI_A)
    assert client.patch(f"/api/v1/establishments/{NONEXISTENT_ID}", json={"beds": 1}).status_code == 404
    assert client.get(f"/api/v1/users/{NONEXISTENT_ID}").status_code == 404
    body = client.post("/api/v1/establishments", json={"ght_id": NONEXISTENT_ID, **NEW_ESTABLISHMENT})
    assert body.status_code == 422, "an unknown id in a body is a bad field, named"
    assert _fields(body) == ["ght_id"]
    assert _messages(body)["ght_id"] == "Identifiant inconnu."
    grant = client.post("/api/v1/grants", json={"ght_id": NONEXISTENT_ID, "organisation_id": 1})
    assert grant.status_code == 422 and _fields(grant) == ["ght_id"]
    assert tenant_rows() == rows


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ghts/99999999999",
        "/api/v1/ghts/99999999999999999999999",
        "/api/v1/establishments/2147483648",
        "/api/v1/users/-1",
        "/api/v1/establishments?ght_id=99999999999",
        "/api/v1/ghts/99999999999/grants",
    ],
)
def test_ids_beyond_the_database_range_are_not_server_errors(url, world):
    answer = world.client(RSSI_A).get(url)
    assert answer.status_code in {404, 422}, (answer.status_code, answer.text)


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("POST", "/api/v1/establishments", {"ght_id": 2**40}, "ght_id"),
        ("PATCH", "/api/v1/ghts/{a}", {"support_establishment_id": 2**40}, "support_establishment_id"),
        ("POST", "/api/v1/grants", {"ght_id": "{a}", "organisation_id": 2**40}, "organisation_id"),
        ("POST", "/api/v1/users", {"organisation_id": 2**40}, "organisation_id"),
        ("DELETE", "/api/v1/me/tokens/99999999999", None, None),
    ],
)
def test_huge_ids_in_bodies_are_named_not_server_errors(method, url, body, field, world):
    rows = world.tenant_rows()
    ght_a = world.directory.ghts["a"]
    url = url.replace("{a}", str(ght_a))
    if body is not None:
        body = {key: (ght_a if value == "{a}" else value) for key, value in body.items()}
        if url.endswith("establishments"):
            body = {**NEW_ESTABLISHMENT, **body}
        if url.endswith("users"):
            body = {**_user(0), **body}
    answer = world.client(RSSI_A).request(method, url, json=body)
    assert answer.status_code in {404, 422}, (answer.status_code, answer.text)
    if field:
        assert field in _fields(answer)
    assert world.tenant_rows() == rows


def test_a_body_that_is_not_json(world):
    answer = world.client(RSSI_A).patch(
        f"/api/v1/establishments/{world.directory.establishments['ch-estuaire']}",
        content="{beds: 1",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "JSON invalide."


# Property-based: no GET of the OpenAPI answers a server error -----------------------------------------------


def test_no_get_route_answers_a_server_error(world):
    """schemathesis draws valid and invalid parameters for every GET route of /api/v1/openapi.json and calls
    them in-process as rssi-a; a 5xx is a bug. Bounded (a few examples per route) to keep the suite fast; the
    draws differ from run to run, so repeated runs widen the search."""
    import schemathesis
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode

    signed_in = world.client(RSSI_A)
    client = TestClient(world.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    client.cookies = signed_in.cookies
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.app).include(method="GET")
    server_errors: list[tuple[str, object, int]] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        has_parameters = bool(list(operation.iter_parameters()))
        # This area's routes get a few valid and invalid draws; the other areas' one valid draw each (a smoke
        # test: their own suites go further). Each draw costs tens of milliseconds of schema work.
        own = "organisation" in (operation.tags or [])
        examples = 3 if own else 1
        modes = [GenerationMode.POSITIVE]
        if has_parameters and own:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples if has_parameters else 1,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                nonlocal calls
                calls += 1
                answer = client.request(case.method, case.formatted_path, params=case.query or None)
                if answer.status_code >= 500:
                    server_errors.append((case.formatted_path, case.query, answer.status_code))

            call()
    assert calls > 20
    assert not server_errors, server_errors
