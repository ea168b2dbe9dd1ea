"""Organisation domain: establishments, GHTs, users and the commands that create or change them.

Pure: validation rules and value objects only; no database, no web.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.scope import Role

#: A reference to another object in a command: a positive id in the range the database stores.
ObjectId = Annotated[int, Field(gt=0, le=MAX_ROW_ID)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Region = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]

MAX_BEDS = 10_000
MAX_REVENUE_EUR = 10_000_000_000  # 10 bn EUR: above the largest CHU (AP-HP ~8 bn EUR).
MAX_PATIENTS = 20_000_000

_FINESS_RE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")


class EstablishmentKind(StrEnum):
    """Kinds of health establishment in a GHT."""

    CHU = "chu"
    CH = "ch"
    CHS = "chs"
    PROXIMITY_HOSPITAL = "hopital_proximite"
    EHPAD = "ehpad"


def finess_check_digit(first_eight: str) -> int:
    """The FINESS key: Luhn check digit over the first eight characters (Corsica 2A/2B read as 20)."""
    digits = first_eight.replace("2A", "20").replace("2B", "20")
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def is_valid_finess(number: str) -> bool:
    """A FINESS number: 9 characters, department (01-95, 2A, 2B, 97x) then 6 digits then the Luhn key."""
    if not _FINESS_RE.match(number):
        return False
    return finess_check_digit(number[:8]) == int(number[8])


def _check_finess(value: str) -> str:
    value = value.strip().upper().replace(" ", "")
    if not is_valid_finess(value):
        raise ValueError("finess_invalid")
    return value


class EstablishmentCreate(BaseModel):
    """What it takes to register an establishment in a GHT."""

    model_config = ConfigDict(extra="forbid")

    ght_id: ObjectId
    name: Name
    finess: str = Field(min_length=9, max_length=12)
    kind: EstablishmentKind
    beds: int = Field(ge=0, le=MAX_BEDS)
    annual_revenue_eur: int = Field(ge=0, le=MAX_REVENUE_EUR)
    patients_per_year: int = Field(ge=0, le=MAX_PATIENTS)

    _finess = field_validator("finess")(_check_finess)


class EstablishmentUpdate(BaseModel):
    """A partial change of an establishment (the GHT it belongs to does not change)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    finess: str | None = Field(default=None, min_length=9, max_length=12)
    kind: EstablishmentKind | None = None
    beds: int | None = Field(default=None, ge=0, le=MAX_BEDS)
    annual_revenue_eur: int | None = Field(default=None, ge=0, le=MAX_REVENUE_EUR)
    patients_per_year: int | None = Field(default=None, ge=0, le=MAX_PATIENTS)

    @field_validator("finess")
    @classmethod
    def _finess(cls, value: str | None) -> str | None:
        return None if value is None else _check_finess(value)


class GhtCreate(BaseModel):
    """A new GHT, member of the cooperative."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    region: Region
    member_since: date | None = None
    subscribed: bool = False


class GhtUpdate(BaseModel):
    """A partial change of a GHT; the support establishment must be one of its own."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    region: Region | None = None
    member_since: date | None = None
    subscribed: bool | None = None
    support_establishment_id: ObjectId | None = None


class UserCreate(BaseModel):
    """A new user account in an organisation, with one role."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    display_name: Name
    password: Password
    organisation_id: ObjectId
    role: Role
    establishment_id: ObjectId | None = None
    locale: str = Field(default="fr", pattern="^(fr|en)$")


class UserUpdate(BaseModel):
    """A change of a user's name, role, language or activation by an administrator."""

    model_config = ConfigDict(extra="forbid")

    display_name: Name | None = None
    role: Role | None = None
    establishment_id: ObjectId | None = None
    locale: str | None = Field(default=None, pattern="^(fr|en)$")
    is_active: bool | None = None


class PasswordChange(BaseModel):
    """A user changes their own password."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=256)
    new_password: Password


class GrantCreate(BaseModel):
    """A GHT grants an organisation (its consultant's firm, its insurer) access to its data."""

    model_config = ConfigDict(extra="forbid")

    ght_id: ObjectId
    organisation_id: ObjectId


#: Which roles a user of each organisation kind may hold.
ROLES_BY_ORGANISATION_KIND: dict[str, frozenset[Role]] = {
    "platform": frozenset({Role.PLATFORM_ADMIN}),
    "cooperative": frozenset({Role.COOPERATIVE_BUYER, Role.VIEWER}),
    "ght": frozenset({Role.GHT_MANAGER, Role.ESTABLISHMENT_USER, Role.VIEWER}),
    "insurer": frozenset({Role.UNDERWRITER, Role.VIEWER}),
    "security_firm": frozenset({Role.CONSULTANT, Role.VIEWER}),
}

#: Organisation kinds a GHT may grant access to.
GRANTABLE_ORGANISATION_KINDS = frozenset({"insurer", "security_firm"})


def role_allowed(organisation_kind: str, role: Role) -> bool:
    """Whether a role fits an organisation (an underwriter works for an insurer, not a GHT)."""
    return role in ROLES_BY_ORGANISATION_KIND.get(organisation_kind, frozenset())


# Public views (what the API and pages show) ------------------------------------------------------


class OrganisationPublic(BaseModel):
    id: int
    kind: str
    name: str


class GhtPublic(BaseModel):
    id: int
    name: str
    region: str
    member_since: date | None
    subscribed: bool
    support_establishment_id: int | None
    organisation_id: int


class EstablishmentPublic(BaseModel):
    id: int
    ght_id: int
    name: str
    finess: str
    kind: EstablishmentKind
    beds: int
    annual_revenue_eur: int
    patients_per_year: int


class UserPublic(BaseModel):
    id: int
    email: str
    display_name: str
    organisation_id: int
    role: Role
    establishment_id: int | None
    locale: str
    is_active: bool
    totp_enabled: bool


class GrantPublic(BaseModel):
    id: int
    ght_id: int
    organisation_id: int
    organisation_name: str
    granted_at: datetime
    revoked_at: datetime | None
