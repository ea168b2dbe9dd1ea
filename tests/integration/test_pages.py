"""The server-rendered pages: login and second factor, language, CSRF, scope, headers, accessible forms."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from fastapi.testclient import TestClient

from cyber360.core.i18n import format_eur
from cyber360.core.settings import DEMO_PASSWORD

#: Real argon2id logins, with cheap parameters (tests/integration/conftest.py): the file stays fast.
pytestmark = pytest.mark.usefixtures("fast_passwords")

BASE = "http://127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# Helpers --------------------------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login_form_token(client: TestClient) -> str:
    answer = client.get("/login")
    assert answer.status_code == 200
    return csrf_of(answer.text)


def post_login(client: TestClient, email: str, password: str = DEMO_PASSWORD, next_target: str = ""):
    token = login_form_token(client)
    data = {"email": email, "password": password, "csrf_token": token, "next": next_target}
    return client.post("/login", data=data, follow_redirects=False)


class Browser:
    """Page clients logged in through the login form, closed at the end of the test."""

    def __init__(self, app) -> None:
        self.app = app
        self.clients: list[TestClient] = []

    def anonymous(self, **headers: str) -> TestClient:
        client = TestClient(self.app, base_url=BASE, headers=headers)
        self.clients.append(client)
        return client

    def login(self, email: str) -> TestClient:
        client = self.anonymous()
        answer = post_login(client, email)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/"
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()


@pytest.fixture
def browser(app):
    pages = Browser(app)
    yield pages
    pages.close()


def token_of(client: TestClient, path: str = "/account") -> str:
    return csrf_of(client.get(path).text)


class FormAudit(HTMLParser):
    """Collects form controls, labels, ids and aria-describedby references of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.described: list[str] = []
        self.inline_styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if "style" in values:
            self.inline_styles += 1
        if values.get("aria-describedby"):
            self.described.extend(values["aria-describedby"].split())
        if tag == "label" and values.get("for"):
            self.label_for.add(values["for"])
        if tag in {"select", "textarea"} or (
            tag == "input" and values.get("type", "text") not in {"hidden", "submit", "button", "reset"}
        ):
            self.controls.append({"tag": tag, **values})


def audit_forms(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


def ids_by_name(client: TestClient, resource: str) -> dict[str, int]:
    """Ids from the JSON API, read with the page session's cookie (a GET needs no CSRF header)."""
    return {item["name"]: item["id"] for item in client.get(f"/api/v1/{resource}").json()}


# Login page, language ---------------------------------------------------------------------------------------


def test_login_page_is_french_by_default_and_sets_the_login_csrf_cookie(client):
    answer = client.get("/login")
    assert answer.status_code == 200
    assert '<html lang="fr">' in answer.text
    assert "Connexion" in answer.text and "Adresse électronique" in answer.text
    cookie = next(
        value for value in answer.headers.get_list("set-cookie") if value.startswith("c360_login_csrf=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # demo mode over plain HTTP on 127.0.0.1
    assert csrf_of(answer.text) == answer.cookies["c360_login_csrf"]
    assert 'href="#main"' in answer.text and '<main id="main"' in answer.text


def test_login_page_speaks_english_with_accept_language(browser):
    answer = browser.anonymous(**{"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}).get("/login")
    assert '<html lang="en">' in answer.text
    assert "E-mail address" in answer.text and "Adresse électronique" not in answer.text


def test_language_switch_before_login_uses_a_cookie_and_stays_on_site(client):
    token = login_form_token(client)
    answer = client.post(
        "/locale", data={"locale": "en", "next": "/login", "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.cookies["c360_lang"] == "en"
    assert "Password" in client.get("/login").text
    answer = client.post(
        "/locale",
        data={"locale": "fr", "next": "https://evil.example/", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"
    assert "Mot de passe" in client.get("/login").text


def test_error_pages_exist_in_both_languages(browser):
    french = browser.anonymous().get("/no-such-page")
    assert french.status_code == 404 and "Page introuvable" in french.text and 'href="/"' in french.text
    english = browser.anonymous(**{"Accept-Language": "en"}).get("/no-such-page")
    assert (
        english.status_code == 404 and "Page not found" in english.text and '<html lang="en">' in english.text
    )


# Login ------------------------------------------------------------------------------------------------------


def test_wrong_password_shows_the_error_and_opens_no_session(client):
    answer = post_login(client, "rssi-a@demo.test", "not-the-password")
    assert answer.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect." in answer.text
    assert 'role="alert"' in answer.text
    assert 'value="rssi-a@demo.test"' in answer.text  # the e-mail is kept, the password never
    assert "c360_session" not in answer.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_missing_field_is_named_next_to_it(client):
    answer = post_login(client, "", "x")
    assert answer.status_code == 422
    page = audit_forms(answer.text)
    email = next(control for control in page.controls if control.get("name") == "email")
    assert email.get("aria-invalid") == "true"
    assert "f-email-error" in email["aria-describedby"].split()
    assert "f-email-error" in page.ids


def test_login_without_or_with_a_wrong_csrf_token_is_refused(client):
    client.get("/login")
    data = {"email": "rssi-a@demo.test", "password": DEMO_PASSWORD}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 403
    wrong = client.post("/login", data={**data, "csrf_token": "forged"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert "c360_session" not in client.cookies


def test_successful_login_goes_to_next_with_a_safe_session_cookie(client):
    answer = client.get("/login?next=/ghts/1")
    assert 'name="next" value="/ghts/1"' in answer.text
    answer = post_login(client, "rssi-a@demo.test", next_target="/ghts/1")
    assert answer.status_code == 303 and answer.headers["location"] == "/ghts/1"
    cookie = next(
        value for value in answer.headers.get_list("set-cookie") if value.startswith("c360_session=")
    )
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert client.get("/ghts/1").status_code == 200


def test_open_redirect_after_login_is_refused(client):
    targets = ["https://evil.example", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/\t/x"]
    for target in targets:
        assert 'name="next" value=""' in client.get("/login", params={"next": target}).text, target
    answer = post_login(client, "rssi-a@demo.test", next_target="//evil.example/x")
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_throttled_login_is_told_with_a_429_page(settings):
    from cyber360.app import create_app

    strict = create_app(settings.model_copy(update={"login_max_failures": 2}))
    with TestClient(strict, base_url=BASE) as client:
        for _ in range(2):
            assert post_login(client, "rssi-b@demo.test", "wrong-password").status_code == 401
        answer = post_login(client, "rssi-b@demo.test")  # even the right password waits now
    strict.state.engine.dispose()
    assert answer.status_code == 429
    assert "Trop de tentatives échouées" in answer.text and 'role="alert"' in answer.text


def test_anonymous_visitor_is_sent_to_login(client):
    for path in [
        "/",
        "/ghts",
        "/ghts/1",
        "/establishments/1/edit",
        "/account",
        "/admin/users",
        "/admin/audit",
    ]:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        location = urlsplit(answer.headers["location"])
        assert location.path == "/login" and parse_qs(location.query)["next"] == [path]


def test_logout_ends_the_session(browser):
    client = browser.login("rssi-a@demo.test")
    answer = client.post("/logout", data={"csrf_token": token_of(client)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/account", follow_redirects=False).status_code == 303


# CSRF, headers, markup --------------------------------------------------------------------------------------


def _routes(routes, prefix: str = ""):
    """Every route with its full path, through included routers (newer FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes, prefix + getattr(route.include_context, "prefix", ""))
        elif hasattr(route, "methods"):
            yield prefix + route.path, route.methods or set()


def _form_posts(app) -> list[str]:
    """Every POST of the pages (the JSON API has its own CSRF rule), ids replaced by 1."""
    return sorted(
        re.sub(r"\{[^}]+\}", "1", path)
        for path, methods in _routes(app.routes)
        if "POST" in methods and not path.startswith("/api/")
    )


def test_every_form_post_without_the_csrf_token_is_refused_and_changes_nothing(app, browser):
    posts = _form_posts(app)
    assert {"/login", "/logout", "/locale", "/ghts/1/edit", "/admin/users", "/account/tokens"} <= set(posts)
    client = browser.login("admin@demo.test")
    for path in posts:
        data = {"name": "Renamed without token", "locale": "en", "email": "x@demo.test", "subscribed": "no"}
        answer = client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 403, path
    assert client.get("/api/v1/ghts/1").json()["name"] != "Renamed without token"
    assert client.get("/api/v1/me").json()["locale"] == "fr"
    assert client.get("/api/v1/me/tokens").json() == []


def test_security_headers_on_pages(browser):
    client = browser.login("rssi-a@demo.test")
    answer = client.get("/")
    policy = answer.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] and answer.headers["x-content-type-options"] == "nosniff"
    stylesheet = client.get("/static/css/app.css")
    assert stylesheet.status_code == 200 and "no-store" not in stylesheet.headers.get("cache-control", "")


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        (
            "admin@demo.test",
            [
                "/",
                "/ghts",
                "/ghts/1",
                "/ghts/1/edit",
                "/ghts/new",
                "/establishments",
                "/establishments/1",
                "/establishments/new",
                "/establishments/1/edit",
                "/account",
                "/account/second-factor",
                "/admin/users",
                "/admin/users/2/edit",
                "/admin/audit",
            ],
        ),
        ("rssi-a@demo.test", ["/ghts/1", "/admin/users"]),
    ],
)
def test_every_form_field_has_a_label_and_no_inline_style_or_script(browser, email, paths):
    client = browser.login(email)
    pages = {"/login": browser.anonymous().get("/login").text}
    pages.update({path: client.get(path).text for path in paths})
    checked = 0
    for path, html in pages.items():
        page = audit_forms(html)
        checked += len(page.controls)
        for control in page.controls:
            assert control.get("id") in page.label_for, f"{path}: {control} has no label"
        assert set(page.described) <= page.ids, path
        assert page.inline_styles == 0 and "<script" not in html and "<style" not in html, path
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html, path
    assert checked >= (30 if email.startswith("admin") else 8)


# Scope ------------------------------------------------------------------------------------------------------


def test_pages_out_of_scope_answer_404(browser, as_user):
    ghts = ids_by_name(as_user("rssi-b@demo.test"), "ghts")
    establishments = ids_by_name(as_user("rssi-b@demo.test"), "establishments")
    other_ght, other_establishment = next(iter(ghts.values())), next(iter(establishments.values()))
    client = browser.login("rssi-a@demo.test")
    for path in [
        f"/ghts/{other_ght}",
        f"/ghts/{other_ght}/edit",
        f"/establishments/{other_establishment}",
        f"/establishments/{other_establishment}/edit",
        "/ghts/99999",
        "/ghts/not-a-number",
        "/ghts/99999999999999999999",
    ]:
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Page introuvable" in answer.text
    assert "Armor-Argoat" not in client.get("/ghts").text
    assert client.get("/admin/audit").status_code == 403


def test_forms_aimed_out_of_scope_answer_404_and_change_nothing(browser, as_user):
    other = as_user("rssi-b@demo.test")
    ght_b = next(iter(ids_by_name(other, "ghts").values()))
    establishment_b = next(iter(ids_by_name(other, "establishments").values()))
    grant_b = other.get(f"/api/v1/ghts/{ght_b}/grants").json()[0]["id"]
    user_b = other.get("/api/v1/me").json()["id"]
    token_b = other.post("/api/v1/me/tokens", json={"name": "rssi-b"}).json()["id"]
    before = {
        path: other.get(path).json() for path in ["/api/v1/ghts", "/api/v1/establishments", "/api/v1/me"]
    }
    client = browser.login("rssi-a@demo.test")
    token = token_of(client)
    data = {"csrf_token": token, "name": "Pris par A", "region": "Bretagne", "subscribed": "no"}
    data |= {"organisation_id": "1", "display_name": "Pris par A", "role": "viewer", "is_active": "no"}
    for path in [
        f"/ghts/{ght_b}/edit",
        f"/ghts/{ght_b}/subscription",
        f"/ghts/{ght_b}/grants",
        f"/grants/{grant_b}/revoke",
        f"/establishments/{establishment_b}/edit",
        f"/admin/users/{user_b}/edit",
        f"/account/tokens/{token_b}/revoke",
    ]:
        answer = client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 404, (path, answer.status_code)
        nonexistent = re.sub(r"/\d+/", "/987654/", path)
        assert client.post(nonexistent, data=data, follow_redirects=False).status_code == 404, nonexistent
    assert {path: other.get(path).json() for path in before} == before
    assert other.get(f"/api/v1/ghts/{ght_b}/grants").json()[0]["revoked_at"] is None
    assert other.get("/api/v1/me/tokens").json()[0]["revoked_at"] is None


def test_dashboard_fits_the_role(browser):
    manager = browser.login("rssi-a@demo.test").get("/").text
    assert "GHT Rives de Loire" in manager and "Armor-Argoat" not in manager
    assert "Accorder ou retirer l" in manager and 'href="/admin/audit"' not in manager
    buyer = browser.login("acheteur@demo.test").get("/").text
    assert all(name in buyer for name in ["Rives de Loire", "Armor-Argoat", "Vallées du Sud"])
    assert "CHU Rives de Loire" not in buyer and 'href="/establishments"' not in buyer
    assert "Souscrite" in buyer and "Non souscrite" in buyer
    admin = browser.login("admin@demo.test").get("/").text
    assert 'href="/admin/audit"' in admin and 'href="/admin/users"' in admin


# Changes through forms --------------------------------------------------------------------------------------


def test_refused_value_is_shown_next_to_its_field_in_the_users_language_and_changes_nothing(browser):
    client = browser.login("rssi-a@demo.test")
    establishment_id = ids_by_name(client, "establishments")["CHU Rives de Loire"]
    token = token_of(client)
    client.post("/locale", data={"locale": "en", "next": "/", "csrf_token": token})
    form = {"name": "CHU Rives de Loire", "finess": "440400001", "kind": "chu", "beds": "2900"}
    form |= {"annual_revenue_eur": "1 050 000 000", "patients_per_year": "520000", "csrf_token": token}
    answer = client.post(f"/establishments/{establishment_id}/edit", data=form)
    assert answer.status_code == 422
    assert "Invalid FINESS number" in answer.text and 'role="alert"' in answer.text
    finess = next(control for control in audit_forms(answer.text).controls if control.get("name") == "finess")
    assert finess["aria-invalid"] == "true" and "f-finess-error" in finess["aria-describedby"]
    api = client.get(f"/api/v1/establishments/{establishment_id}").json()
    assert api["finess"] == "440400000"


def test_establishment_created_from_the_form_is_listed_with_its_revenue_in_euros(browser):
    client = browser.login("rssi-a@demo.test")
    ght_id = str(next(iter(ids_by_name(client, "ghts").values())))
    form = {
        "ght_id": ght_id,
        "name": "EHPAD Les Glycines",
        "finess": "440400067",
        "kind": "ehpad",
        "beds": "75",
    }
    form |= {"annual_revenue_eur": "4 250 000", "patients_per_year": "110", "csrf_token": token_of(client)}
    answer = client.post("/establishments/new", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "EHPAD Les Glycines" in client.get(answer.headers["location"]).text
    listing = client.get("/establishments").text
    assert "EHPAD Les Glycines" in listing and format_eur(4_250_000, "fr") in listing
    duplicate = client.post("/establishments/new", data=form | {"name": "Autre"})
    assert duplicate.status_code == 422 and "Cette valeur est déjà utilisée." in duplicate.text


def test_grant_and_revoke_from_the_ght_page(browser):
    manager = browser.login("rssi-b@demo.test")
    ght_b = ids_by_name(manager, "ghts")["GHT Armor-Argoat (démo)"]
    organisations = manager.get("/api/v1/organisations?grantable=true").json()
    insurer = next(item["id"] for item in organisations if item["kind"] == "insurer")
    page = manager.get(f"/ghts/{ght_b}").text
    assert f'<option value="{insurer}"' in page
    token = csrf_of(page)
    answer = manager.post(
        f"/ghts/{ght_b}/grants",
        data={"organisation_id": str(insurer), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    underwriter = browser.login("assureur@demo.test")
    assert underwriter.get(f"/ghts/{ght_b}").status_code == 200
    again = manager.post(f"/ghts/{ght_b}/grants", data={"organisation_id": str(insurer), "csrf_token": token})
    assert again.status_code == 409 and "Cet accès est déjà accordé." in again.text
    grant_id = re.search(
        r'action="/grants/(\d+)/revoke"', manager.get(f"/ghts/{ght_b}").text.split("Mutuelle")[1]
    )
    assert grant_id
    manager.post(f"/grants/{grant_id.group(1)}/revoke", data={"csrf_token": token})
    assert underwriter.get(f"/ghts/{ght_b}").status_code == 404


def test_language_preference_of_a_logged_in_user_persists(browser):
    client = browser.login("rssi-a@demo.test")
    answer = client.post(
        "/locale",
        data={"locale": "en", "next": "/ghts", "csrf_token": token_of(client)},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/ghts"
    assert '<html lang="en">' in client.get("/").text and "Dashboard" in client.get("/").text
    assert client.get("/api/v1/me").json()["locale"] == "en"
    elsewhere = browser.login("rssi-a@demo.test")  # another browser: no cookie, French Accept-Language
    assert "Dashboard" in elsewhere.get("/", headers={"Accept-Language": "fr"}).text


def test_audit_page_lists_records_and_verifies_the_chain(browser):
    client = browser.login("admin@demo.test")
    page = client.get("/admin/audit").text
    assert "<code>auth.login</code>" in page  # newest first: this very login heads the list
    assert 1 <= page.count("<time datetime=") <= 50  # one page of at most fifty records
    answer = client.post("/admin/audit/verify", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 200 and "Chaîne intègre" in answer.text


def test_api_token_is_shown_once_and_works(browser):
    client = browser.login("rssi-a@demo.test")
    answer = client.post(
        "/account/tokens",
        data={"name": "supervision", "access": "read", "days": "30", "csrf_token": token_of(client)},
    )
    token = re.search(r'id="new-token">([^<]+)<', answer.text).group(1)
    assert token not in client.get("/account").text
    with TestClient(browser.app, base_url=BASE) as machine:
        me = machine.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == "rssi-a@demo.test"


# Second factor ----------------------------------------------------------------------------------------------


def enrol(client: TestClient) -> tuple[str, list[str]]:
    """Enrol the logged-in user's second factor through the pages; returns the secret and recovery codes."""
    token = token_of(client, "/account/second-factor")
    started = client.post("/account/second-factor/start", data={"csrf_token": token})
    assert started.status_code == 200 and "<svg" in started.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)
    wrong = client.post("/account/second-factor/confirm", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 422 and "Code invalide" in wrong.text
    confirmed = client.post(
        "/account/second-factor/confirm", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{4}-[0-9a-f]{4})</code></li>", confirmed.text)
    assert len(codes) == 10
    assert secret not in client.get("/account/second-factor").text
    return secret, codes


def second_factor(client: TestClient, code: str, next_target: str = ""):
    page = client.get("/login/second-factor" + (f"?next={next_target}" if next_target else ""))
    assert page.status_code == 200
    data = {"code": code, "csrf_token": csrf_of(page.text), "next": next_target}
    return client.post("/login/second-factor", data=data, follow_redirects=False)


def test_totp_enrolment_then_login_needs_the_code(browser):
    secret, _codes = enrol(browser.login("rssi-a@demo.test"))
    client = browser.anonymous()
    answer = post_login(client, "rssi-a@demo.test", next_target="/ghts")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login/second-factor")
    pending = client.get("/", follow_redirects=False)
    assert pending.status_code == 303 and pending.headers["location"] == "/login/second-factor"
    assert second_factor(client, "123456", "/ghts").status_code == 422
    # The enrolment used the current step; the next one is within the allowed drift and not yet used.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    answer = second_factor(client, code, "/ghts")
    assert answer.status_code == 303 and answer.headers["location"] == "/ghts"
    assert client.get("/").status_code == 200


def test_recovery_code_works_once(browser):
    _secret, codes = enrol(browser.login("rssi-b@demo.test"))
    first = browser.anonymous()
    post_login(first, "rssi-b@demo.test")
    assert second_factor(first, codes[0]).headers["location"] == "/"
    assert first.get("/").status_code == 200
    second = browser.anonymous()
    post_login(second, "rssi-b@demo.test")
    replay = second_factor(second, codes[0])
    assert replay.status_code == 422 and "Code invalide ou déjà utilisé." in replay.text
    assert second.get("/", follow_redirects=False).status_code == 303
