"""Organisation domain rules: FINESS numbers, commands' limits, which role fits which organisation."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from cyber360.core.scope import Role
from cyber360.org.demo import DEMO_FILE
from cyber360.org.model import (
    MAX_REVENUE_EUR,
    EstablishmentCreate,
    EstablishmentUpdate,
    GhtUpdate,
    GrantCreate,
    UserCreate,
    finess_check_digit,
    is_valid_finess,
    role_allowed,
)

VALID = {
    "ght_id": 1,
    "name": "CH de Test",
    "finess": "440400018",
    "kind": "ch",
    "beds": 100,
    "annual_revenue_eur": 10_000_000,
    "patients_per_year": 5_000,
}


def _demo_finess() -> list[str]:
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return [item["finess"] for ght in data["ghts"] for item in ght["establishments"]]


@pytest.mark.parametrize("number", _demo_finess())
def test_the_demo_finess_numbers_are_valid(number):
    assert is_valid_finess(number)


def test_finess_check_digit_by_hand():
    # 44040001 -> Luhn from the right: 1*2=2, 0, 0*2=0, 0, 4*2=8, 0, 4*2=8, 4 -> 22 -> key 8
    assert finess_check_digit("44040001") == 8
    assert is_valid_finess("440400018")
    assert not is_valid_finess("440400019")


@pytest.mark.parametrize("number", ["", "44040001", "4404000189", "44040001X", "AB0400018", "2C0100003"])
def test_malformed_finess_numbers(number):
    assert not is_valid_finess(number)


def test_corsica():
    key = finess_check_digit("2A010000")
    assert is_valid_finess(f"2A010000{key}")
    assert is_valid_finess(f"2B010000{key}")


def test_finess_is_normalised():
    assert EstablishmentCreate(**{**VALID, "finess": "440 400 018"}).finess == "440400018"
    assert EstablishmentCreate(
        **{**VALID, "finess": "2a010000" + str(finess_check_digit("2A010000"))}
    ).finess.startswith("2A")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x"),
        ("name", "x" * 201),
        ("name", "   "),
        ("finess", "440400019"),
        ("kind", "clinique"),
        ("beds", -1),
        ("beds", 10_001),
        ("annual_revenue_eur", MAX_REVENUE_EUR + 1),
        ("patients_per_year", "beaucoup"),
        ("ght_id", 0),
        ("ght_id", 2**31),
        ("extra", 1),
    ],
)
def test_establishment_limits(field, value):
    with pytest.raises(ValidationError) as error:
        EstablishmentCreate(**{**VALID, field: value})
    assert error.value.errors()[0]["loc"] == (field,)


def test_updates_are_partial_and_bounded():
    assert EstablishmentUpdate(beds=3).model_dump(exclude_unset=True) == {"beds": 3}
    with pytest.raises(ValidationError):
        EstablishmentUpdate(finess="123")
    with pytest.raises(ValidationError):
        GhtUpdate(support_establishment_id=2**31)
    with pytest.raises(ValidationError):
        GrantCreate(ght_id=1, organisation_id=-1)


def test_user_commands():
    valid = {
        "email": "Claire.Martin@Exemple.fr",
        "display_name": "Claire Martin",
        "password": "douze-caracteres",
        "organisation_id": 3,
        "role": "ght_manager",
    }
    assert UserCreate(**valid).locale == "fr"
    for field, value in [
        ("password", "court"),
        ("email", "pas-une-adresse"),
        ("locale", "de"),
        ("role", "root"),
    ]:
        with pytest.raises(ValidationError):
            UserCreate(**{**valid, field: value})


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        ("platform", {Role.PLATFORM_ADMIN}),
        ("cooperative", {Role.COOPERATIVE_BUYER, Role.VIEWER}),
        ("ght", {Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.VIEWER}),
        ("insurer", {Role.UNDERWRITER, Role.VIEWER}),
        ("security_firm", {Role.CONSULTANT, Role.VIEWER}),
        ("unknown", set()),
    ],
)
def test_roles_by_organisation_kind(kind, allowed):
    assert {role for role in Role if role_allowed(kind, role)} == allowed
