"""Settings: safe defaults for the demo, a production mode that refuses to start unsafe."""

from __future__ import annotations

import stat

import pytest

from cyber360.core.settings import Environment, InsecureConfiguration, Settings

STRONG = "9f8Kq2LmZx7Rt4Vb1Nc6Hd3Jw0Ys5Ue8Pa2Go7Ti4"
DB = "postgresql://cyber360@db.example/cyber360"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in ("ENV", "SECRET_KEY", "DATABASE_URL", "DATA_DIR"):
        monkeypatch.delenv(f"CYBER360_{name}", raising=False)


@pytest.mark.parametrize(
    "key",
    ["", "changeme", "a" * 64, "0123456789" * 3, "abcabcabcabcabcabcabcabcabcabcabcabc", STRONG[:31]],
    ids=["missing", "known-weak", "one-char", "too-short", "few-characters", "31-chars"],
)
def test_production_refuses_a_missing_or_weak_secret_key(key):
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        Settings(env=Environment.PRODUCTION, secret_key=key, database_url=DB)


def test_production_refuses_a_missing_database_url():
    with pytest.raises(InsecureConfiguration, match="DATABASE_URL"):
        Settings(env=Environment.PRODUCTION, secret_key=STRONG)


def test_production_from_the_environment(monkeypatch):
    monkeypatch.setenv("CYBER360_ENV", "production")
    monkeypatch.setenv("CYBER360_DATABASE_URL", DB)
    with pytest.raises(InsecureConfiguration):
        Settings()
    monkeypatch.setenv("CYBER360_SECRET_KEY", STRONG)
    settings = Settings()
    assert settings.is_production and settings.cookies_secure
    assert settings.resolved_secret_key() == STRONG


def test_demo_generates_and_keeps_a_private_secret_key(tmp_path):
    settings = Settings(env=Environment.DEMO, data_dir=tmp_path / "var")
    assert not settings.cookies_secure
    key = settings.resolved_secret_key()
    assert len(key) >= 48
    path = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(env=Environment.DEMO, data_dir=tmp_path / "var").resolved_secret_key() == key


def test_the_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path):
    url = Settings(data_dir=tmp_path / "data").resolved_database_url()
    assert url == f"sqlite:///{(tmp_path / 'data' / 'cyber360.sqlite3').resolve()}"
    assert (tmp_path / "data").is_dir()


def test_behind_https_marks_cookies_secure_in_dev(tmp_path):
    assert Settings(env=Environment.DEV, behind_https=True).cookies_secure
    assert not Settings(env=Environment.DEV).cookies_secure


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("session_idle_minutes", 0),
        ("session_absolute_hours", 0),
        ("login_max_failures", 0),
        ("env", "staging"),
    ],
)
def test_out_of_range_settings_are_refused(name, value):
    with pytest.raises(ValueError):
        Settings(**{name: value})


def test_session_defaults_match_the_policy():
    settings = Settings()
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (30, 12)
    assert settings.login_max_failures == 5
