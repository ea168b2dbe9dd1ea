"""Authentication: passwords, throttling, sessions, second factor, API tokens, CSRF."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from tenancy import ADMIN, DG_A, RSSI_A

from cyber360.core.db import utcnow
from cyber360.core.settings import DEMO_PASSWORD
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import SESSION_COOKIE
from cyber360.org import auth
from cyber360.org.tables import ApiTokenRow, UserRow, WebSessionRow

NEW_PASSWORD = "Un-mot-de-passe-solide-2026"


def _cookie_header(answer) -> str:
    (header,) = [value for key, value in answer.headers.multi_items() if key.lower() == "set-cookie"]
    return header


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _login(app, email: str, password: str = DEMO_PASSWORD, base_url: str = "http://127.0.0.1"):
    client = TestClient(app, base_url=base_url)
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if answer.status_code == 200:
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client, answer


# Passwords and login ----------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id(login_as, db_execute):
    admin = login_as(ADMIN)
    created = admin.post(
        "/api/v1/users",
        json={
            "email": "nouvelle.rssi@exemple.fr",
            "display_name": "Nouvelle RSSI",
            "password": NEW_PASSWORD,
            "organisation_id": admin.get("/api/v1/me").json()["organisation_id"],
            "role": "platform_admin",
        },
    )
    assert created.status_code == 201, created.text
    ((stored,),) = db_execute(
        select(UserRow.password_hash).where(UserRow.email == "nouvelle.rssi@exemple.fr")
    )
    assert stored.startswith("$argon2id$v=19$")
    assert NEW_PASSWORD not in stored
    assert "password" not in created.json() and "password_hash" not in created.json()


def test_wrong_password_is_401_and_audited(app, login_as, audit_log, db_execute):
    client = TestClient(app, base_url="http://127.0.0.1")
    wrong = client.post("/api/v1/auth/login", json={"email": RSSI_A, "password": "pas-le-bon"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "personne@demo.test", "password": "pas-le-bon"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json(), "the answer must not tell whether the account exists"
    assert SESSION_COOKIE not in wrong.cookies
    failed = audit_log("auth.login_failed")
    assert [json.loads(r.after)["email"] for r in failed] == [RSSI_A, "personne@demo.test"]
    assert failed[0].actor_user_id is not None and failed[1].actor_user_id is None
    assert json.loads(failed[0].after)["reason"] == "bad_credentials"
    assert "pas-le-bon" not in failed[0].after
    assert audit_log("auth.login") == []


def test_throttling_after_repeated_failures_is_429_and_audited(app, fast_passwords, audit_log):
    client = TestClient(app, base_url="http://127.0.0.1")
    limit = app.state.settings.login_max_failures
    for _ in range(limit):
        assert (
            client.post("/api/v1/auth/login", json={"email": DG_A, "password": "devinette"}).status_code
            == 401
        )
    blocked = client.post("/api/v1/auth/login", json={"email": DG_A, "password": DEMO_PASSWORD})
    assert blocked.status_code == 429, "even the right password waits once the account is throttled"
    assert SESSION_COOKIE not in blocked.cookies
    assert str(app.state.settings.login_failure_window_minutes) in blocked.json()["detail"][0]["msg"]
    assert len(audit_log("auth.login_failed")) == limit
    (throttled,) = audit_log("auth.login_throttled")
    assert json.loads(throttled.after)["email"] == DG_A
    # Another account from another address is not locked out by it.
    assert (
        TestClient(app, base_url="http://127.0.0.1")
        .post("/api/v1/auth/login", json={"email": RSSI_A, "password": DEMO_PASSWORD})
        .status_code
        == 200
    )


def test_demo_password_refused_outside_demo_mode(app_for, audit_log):
    for env in ("dev", "production"):
        application = app_for(env)
        _client, answer = _login(application, DG_A, base_url="https://127.0.0.1")
        assert answer.status_code == 401, env
    reasons = [json.loads(r.after)["reason"] for r in audit_log("auth.login_failed")]
    assert reasons == ["bad_credentials", "bad_credentials"]


# Sessions ---------------------------------------------------------------------------------------------------


def test_session_cookie_flags_in_demo_and_production(app, app_for, fast_passwords, set_password):
    _client, answer = _login(app, RSSI_A)
    cookie = _cookie_header(answer).lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie.replace("samesite", "")

    set_password(DG_A, NEW_PASSWORD)
    production = app_for("production")
    client, answer = _login(production, DG_A, NEW_PASSWORD, base_url="https://127.0.0.1")
    assert answer.status_code == 200, answer.text
    cookie = _cookie_header(answer).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert "max-age=31536000" in me.headers["strict-transport-security"]
    assert me.headers["cache-control"] == "no-store"


def test_each_login_gets_a_new_session_id_stored_hashed(app, fast_passwords, db_execute):
    client, first = _login(app, RSSI_A)
    first_token = first.cookies[SESSION_COOKIE]
    second = client.post("/api/v1/auth/login", json={"email": RSSI_A, "password": DEMO_PASSWORD})
    second_token = second.cookies[SESSION_COOKIE]
    assert first_token != second_token
    assert first.json()["csrf_token"] != second.json()["csrf_token"]
    stored = {row.token_hash for row in db_execute(select(WebSessionRow.token_hash))}
    assert {_digest(first_token), _digest(second_token)} <= stored
    assert first_token not in stored and second_token not in stored
    # One client, one session: logging in again ends the session the client came with.
    replay = TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: first_token})
    assert replay.get("/api/v1/me").status_code == 401
    fresh = TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: second_token})
    assert fresh.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    ("column", "age", "alive"),
    [
        ("last_seen_at", timedelta(minutes=29), True),
        ("last_seen_at", timedelta(minutes=31), False),
        ("created_at", timedelta(hours=11, minutes=59), True),
        ("created_at", timedelta(hours=12, minutes=1), False),
    ],
    ids=["idle-29min", "idle-31min", "absolute-11h59", "absolute-12h01"],
)
def test_idle_and_absolute_timeouts(column, age, alive, login_as, db_execute):
    client = login_as(DG_A)
    token = client.cookies[SESSION_COOKIE]
    db_execute(
        update(WebSessionRow)
        .where(WebSessionRow.token_hash == _digest(token))
        .values({column: utcnow() - age})
    )
    answer = client.get("/api/v1/me")
    assert answer.status_code == (200 if alive else 401)
    ((ended_at,),) = db_execute(
        select(WebSessionRow.ended_at).where(WebSessionRow.token_hash == _digest(token))
    )
    assert (ended_at is None) is alive
    if not alive:
        # Once ended it stays ended, even if the timestamps were set back.
        db_execute(update(WebSessionRow).values(last_seen_at=utcnow(), created_at=utcnow()))
        assert client.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_at_once(login_as, app, audit_log):
    client = login_as(DG_A)
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/api/v1/auth/logout").status_code == 204
    replay = TestClient(app, base_url="http://127.0.0.1", cookies={SESSION_COOKIE: token})
    assert replay.get("/api/v1/me").status_code == 401
    assert [r.actor_email for r in audit_log("auth.logout")] == [DG_A]


def test_deactivating_a_user_ends_their_sessions_at_once(login_as, directory, audit_log):
    victim = login_as(DG_A)
    assert victim.get("/api/v1/me").status_code == 200
    admin = login_as(ADMIN)
    answer = admin.patch(f"/api/v1/users/{directory.users[DG_A]}", json={"is_active": False})
    assert answer.status_code == 200, answer.text
    assert victim.get("/api/v1/me").status_code == 401
    relogin = TestClient(admin.app, base_url="http://127.0.0.1").post(
        "/api/v1/auth/login", json={"email": DG_A, "password": DEMO_PASSWORD}
    )
    assert relogin.status_code == 401
    assert json.loads(audit_log("auth.login_failed")[-1].after)["reason"] == "inactive"
    (change,) = audit_log("user.updated")
    assert json.loads(change.before)["is_active"] is True and json.loads(change.after)["is_active"] is False


def test_password_change_ends_the_other_sessions(login_as, app, audit_log):
    here = login_as(RSSI_A)
    elsewhere = login_as(RSSI_A)
    answer = here.post(
        "/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert answer.status_code == 204, answer.text
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert _login(app, RSSI_A)[1].status_code == 401
    assert _login(app, RSSI_A, NEW_PASSWORD)[1].status_code == 200
    assert [r.actor_email for r in audit_log("user.password_changed")] == [RSSI_A]


def test_password_change_needs_the_current_password(login_as):
    answer = login_as(RSSI_A).post(
        "/api/v1/me/password", json={"current_password": "pas-le-bon", "new_password": NEW_PASSWORD}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "current_password"


# Second factor ----------------------------------------------------------------------------------------------


def _pending_principal(application, client):
    token = client.cookies[SESSION_COOKIE]
    with UnitOfWork(application.state.session_factory) as uow:
        return auth.authenticate_session(uow, application.state.settings, token, allow_pending=True)


def test_production_requires_totp_enrolment_for_writing_roles(app_for, set_password, audit_log, db_execute):
    set_password(RSSI_A, NEW_PASSWORD)
    set_password(DG_A, NEW_PASSWORD)
    production = app_for("production")
    https = "https://127.0.0.1"

    _viewer, answer = _login(production, DG_A, NEW_PASSWORD, base_url=https)
    assert answer.json()["second_factor"] is None, "a read-only role needs no second factor"

    client, answer = _login(production, RSSI_A, NEW_PASSWORD, base_url=https)
    assert answer.status_code == 200
    assert answer.json()["second_factor"] == "enroll"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/establishments").status_code == 401

    # Enrolment (the pages drive it; here through the service).
    principal = _pending_principal(production, client)
    with UnitOfWork(production.state.session_factory) as uow:
        secret, uri = auth.start_totp_enrolment(uow, principal)
    assert uri.startswith("otpauth://totp/") and secret in uri
    totp = pyotp.TOTP(secret)
    enrolment_code = totp.now()
    with UnitOfWork(production.state.session_factory) as uow:
        recovery_codes = auth.confirm_totp_enrolment(uow, principal, enrolment_code)
    assert len(recovery_codes) == len(set(recovery_codes)) == 10
    assert client.get("/api/v1/me").json()["totp_enabled"] is True
    stored = {row.code_hash for row in db_execute(text("SELECT code_hash FROM recovery_codes"))}
    assert recovery_codes[0] not in stored and _digest(recovery_codes[0]) in stored

    # Next login: the code just used cannot be replayed; the next one works.
    client, answer = _login(production, RSSI_A, NEW_PASSWORD, base_url=https)
    assert answer.json()["second_factor"] == "verify"
    replay = client.post("/api/v1/auth/second-factor", json={"code": enrolment_code})
    assert replay.status_code == 422
    assert replay.json()["detail"][0]["field"] == "code"
    assert client.get("/api/v1/me").status_code == 401
    next_code = totp.at(time.time() + 30)
    assert client.post("/api/v1/auth/second-factor", json={"code": next_code}).status_code == 204
    assert client.get("/api/v1/me").status_code == 200

    # A recovery code opens one session, once.
    for expected in (204, 422):
        client, _answer = _login(production, RSSI_A, NEW_PASSWORD, base_url=https)
        answer = client.post("/api/v1/auth/second-factor", json={"code": recovery_codes[3].upper()})
        assert answer.status_code == expected
    assert len(audit_log("auth.second_factor_failed")) == 2
    assert len(audit_log("auth.second_factor_ok")) == 2
    assert len(audit_log("auth.second_factor_enabled")) == 1


def test_totp_codes_are_throttled_like_passwords(app_for, set_password, db_execute):
    """Six digits fall to guessing without a limit: failed codes count as failed logins."""
    set_password(RSSI_A, NEW_PASSWORD)
    production = app_for("production")
    secret = pyotp.random_base32()
    db_execute(update(UserRow).where(UserRow.email == RSSI_A).values(totp_secret=secret, totp_enabled=True))
    client, answer = _login(production, RSSI_A, NEW_PASSWORD, base_url="https://127.0.0.1")
    assert answer.json()["second_factor"] == "verify"
    limit = production.state.settings.login_max_failures
    statuses = [
        client.post("/api/v1/auth/second-factor", json={"code": "000000"}).status_code
        for _ in range(limit + 1)
    ]
    assert statuses[-1] == 429, statuses
    good = pyotp.TOTP(secret).now()
    assert client.post("/api/v1/auth/second-factor", json={"code": good}).status_code in {401, 429}
    assert client.get("/api/v1/me").status_code == 401


# API tokens -------------------------------------------------------------------------------------------------


def _bearer(app, token: str) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {token}"})


def test_api_tokens_are_hashed_read_only_revocable_and_expire(
    login_as, app, directory, db_execute, audit_log
):
    owner = login_as(RSSI_A)
    created = owner.post("/api/v1/me/tokens", json={"name": "supervision"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert created.json()["read_only"] is True
    rows = db_execute(select(ApiTokenRow))
    (row,) = rows
    assert row.token_hash == _digest(token)
    assert token not in [str(value) for value in row]
    listed = owner.get("/api/v1/me/tokens").json()
    assert token not in json.dumps(listed)

    establishment = directory.establishments["ch-estuaire"]
    machine = _bearer(app, token)
    assert machine.get("/api/v1/establishments").status_code == 200
    assert machine.get(f"/api/v1/establishments/{directory.establishments['ch-armor']}").status_code == 404
    refused = machine.patch(f"/api/v1/establishments/{establishment}", json={"beds": 1})
    assert refused.status_code == 403
    # A read-only token cannot mint itself a read-write one, nor change anything of its user.
    assert machine.post("/api/v1/me/tokens", json={"name": "escalade", "read_only": False}).status_code == 403
    assert (
        machine.post(
            "/api/v1/me/password", json={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
        ).status_code
        == 403
    )
    assert len(db_execute(select(ApiTokenRow))) == 1

    writer_token = owner.post("/api/v1/me/tokens", json={"name": "import", "read_only": False}).json()
    writer = _bearer(app, writer_token["token"])
    assert writer.patch(f"/api/v1/establishments/{establishment}", json={"beds": 621}).status_code == 200

    assert owner.delete(f"/api/v1/me/tokens/{writer_token['id']}").status_code == 204
    assert writer.get("/api/v1/me").status_code == 401
    db_execute(
        update(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token)).values(expires_at=utcnow())
    )
    assert machine.get("/api/v1/me").status_code == 401
    assert _bearer(app, "c360_not-a-token").get("/api/v1/me").status_code == 401
    assert [r.action for r in audit_log() if r.object_type == "api_token"] == [
        "api_token.created",
        "api_token.created",
        "api_token.revoked",
    ]


def test_read_only_admin_token_cannot_create_a_ght(login_as, app):
    token = login_as(ADMIN).post("/api/v1/me/tokens", json={"name": "lecture"}).json()["token"]
    answer = _bearer(app, token).post("/api/v1/ghts", json={"name": "GHT fantôme", "region": "Nulle part"})
    assert answer.status_code == 403


def test_tokens_of_another_user_cannot_be_revoked(login_as):
    token = login_as(RSSI_A).post("/api/v1/me/tokens", json={"name": "a"}).json()
    assert login_as(DG_A).delete(f"/api/v1/me/tokens/{token['id']}").status_code == 404


# CSRF -------------------------------------------------------------------------------------------------------


def test_cookie_authenticated_writes_need_json_or_the_csrf_header(login_as, directory):
    client = login_as(RSSI_A)
    csrf = client.headers.pop("X-CSRF-Token")
    url = f"/api/v1/establishments/{directory.establishments['ch-estuaire']}"
    form = client.patch(url, content="beds=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 403
    plain = client.patch(url, content='{"beds": 1}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 403
    wrong = client.patch(
        url, content='{"beds": 1}', headers={"Content-Type": "text/plain", "X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    assert client.get(url).json()["beds"] == 620
    good = client.patch(
        url, content='{"beds": 2}', headers={"Content-Type": "text/plain", "X-CSRF-Token": csrf}
    )
    assert good.status_code in {200, 422}  # past the CSRF check
    assert client.patch(url, json={"beds": 3}).status_code == 200


def test_an_api_token_has_no_second_factor_to_complete(login_as, app):
    token = (
        login_as(RSSI_A).post("/api/v1/me/tokens", json={"name": "rw", "read_only": False}).json()["token"]
    )
    answer = _bearer(app, token).post("/api/v1/auth/second-factor", json={"code": "123456"})
    assert answer.status_code == 403
