"""What the HTML pages share: form fields, safe redirects, errors by field, labels and rendering."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from babel.dates import format_date as babel_format_date
from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import DomainError
from cyber360.core.i18n import N_
from cyber360.core.scope import Principal, Role
from cyber360.core.web import field_errors, render, request_locale
from cyber360.org.model import EstablishmentKind
from cyber360.org.views import Capabilities

#: An id in a page's path: a number beyond what the database stores is an unknown page, not a server error.
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
MAX_FIELD_LENGTH = 10_000

ROLE_LABELS: dict[str, str] = {
    Role.PLATFORM_ADMIN.value: N_("Administration de la plateforme"),
    Role.COOPERATIVE_BUYER.value: N_("Acheteur de la coopérative"),
    Role.GHT_MANAGER.value: N_("Responsable de GHT (RSSI, direction)"),
    Role.ESTABLISHMENT_USER.value: N_("Utilisateur d'établissement"),
    Role.CONSULTANT.value: N_("Consultant sécurité"),
    Role.UNDERWRITER.value: N_("Souscripteur de l'assureur"),
    Role.VIEWER.value: N_("Lecture seule"),
}

KIND_LABELS: dict[str, str] = {
    EstablishmentKind.CHU.value: N_("Centre hospitalier universitaire (CHU)"),
    EstablishmentKind.CH.value: N_("Centre hospitalier (CH)"),
    EstablishmentKind.CHS.value: N_("Centre hospitalier spécialisé (CHS, psychiatrie)"),
    EstablishmentKind.PROXIMITY_HOSPITAL.value: N_("Hôpital de proximité"),
    EstablishmentKind.EHPAD.value: N_("EHPAD"),
}

ORGANISATION_KIND_LABELS: dict[str, str] = {
    "platform": N_("Plateforme"),
    "cooperative": N_("Coopérative"),
    "ght": N_("GHT"),
    "insurer": N_("Assureur"),
    "security_firm": N_("Société de sécurité"),
}


async def _form_fields(request: Request) -> dict[str, str]:
    """The submitted form's text fields (files and repeated names are not used by these pages)."""
    form = await request.form()
    return {key: value[:MAX_FIELD_LENGTH] for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go back to, or ``default``: never another site (no open redirect)."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(char) < 0x21 or char in "\\\x7f" for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def errors_by_field(error: ValidationError | DomainError, locale: str) -> dict[str, str]:
    """The first message per field (``""`` for the form as a whole), in the user's language."""
    errors: dict[str, str] = {}
    for item in field_errors(error, locale):  # type: ignore[arg-type]
        errors.setdefault(item["field"] or "", item["msg"])
    return errors


def filled(values: dict[str, str]) -> dict[str, str]:
    """Form values trimmed; a blank field is left out, so the command's default applies."""
    return {key: value.strip() for key, value in values.items() if value.strip()}


def refused_outright(error: Exception) -> bool:
    """Out of scope (404), not allowed (403) or not signed in (401): answered as such, never as a form to
    correct."""
    return isinstance(error, DomainError) and error.status_code in {401, 403, 404}


def blank_to_none(fields: dict[str, str], *names: str) -> dict[str, Any]:
    """Form values for a command: text trimmed, an empty field as None (so the command names it)."""
    values: dict[str, Any] = {}
    for name in names:
        value = fields.get(name, "").strip()
        values[name] = value or None
    return values


def digits(value: str | None) -> str | None:
    """A number as typed by a person (``1 050 000 000``): grouping spaces removed."""
    if value is None:
        return None
    return "".join(value.split()).replace("\u202f", "").replace("\xa0", "") or None


def format_date(value: date | datetime | None, locale: str) -> str:
    if value is None:
        return "—"
    return babel_format_date(value, format="medium", locale="fr_FR" if locale == "fr" else "en_GB")


def page(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render an area page with the shell's context plus labels, date formatting and the user's rights."""
    principal: Principal | None = getattr(request.state, "principal", None)
    full: dict[str, Any] = {
        "role_labels": ROLE_LABELS,
        "kind_labels": KIND_LABELS,
        "organisation_kind_labels": ORGANISATION_KIND_LABELS,
        "format_date": format_date,
        "can": Capabilities(principal) if principal else None,
        "errors": {},
        "saved": request.query_params.get("saved", "")[:40],
        **(context or {}),
    }
    return render(request, template, full, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: go to a page with GET (303), so a reload does not post again."""
    return RedirectResponse(url, status_code=303)


def locale_of(request: Request) -> str:
    return request_locale(request)
