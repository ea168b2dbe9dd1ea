"""What the crisis pages share: rendering with the area's labels, form fields, Paris wall-clock input."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from cyber360.core import i18n
from cyber360.core.errors import DomainError
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import field_errors, render, request_locale
from cyber360.crisis import clocks, labels

MAX_FIELD_LENGTH = 20_000
FORM_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


async def _form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value[:MAX_FIELD_LENGTH] for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def paris_wall_clock(value: str) -> datetime | str:
    """A ``datetime-local`` input read on the Europe/Paris wall clock (aware); the raw text if unreadable.

    A time inside the spring-forward gap is read with the winter offset, an ambiguous autumn time as its
    first occurrence (the conventions of ``crisis.clocks``).
    """
    try:
        wall = datetime.strptime(value.strip()[:16], FORM_INPUT_FORMAT)
    except ValueError:
        return value
    return wall.replace(tzinfo=clocks.PARIS, fold=0)


def paris_input_value(instant: datetime) -> str:
    return clocks.to_paris(instant).strftime(FORM_INPUT_FORMAT)


def errors_of(uow: UnitOfWork, request: Request, error: ValidationError | DomainError) -> dict[str, str]:
    """The refused change is undone; the first message per field, in the user's language."""
    uow.rollback()
    errors: dict[str, str] = {}
    for item in field_errors(error, request_locale(request)):  # type: ignore[arg-type]
        errors.setdefault(item["field"] or "", item["msg"])
    return errors


def page(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    language: Literal["fr", "en"] = "en" if request_locale(request) == "en" else "fr"
    translate = i18n.translator(language)
    full: dict[str, Any] = {
        "options": lambda mapping: [(key, translate(label)) for key, label in mapping.items()],
        "labels": labels,
        "errors": {},
        "saved": request.query_params.get("saved", "")[:40],
        "format_paris": lambda instant: clocks.format_paris(instant, language) if instant else "—",
        "format_remaining": lambda seconds: clocks.format_remaining(timedelta(seconds=seconds), language),
        **(context or {}),
    }
    return render(request, template, full, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
