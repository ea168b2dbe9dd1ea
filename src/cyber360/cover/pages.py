"""HTML pages of the cover area (policies and quotes): the policies a user sees, a policy's terms in plain
words with its quotes, the underwriter's forms (new policy, terms, status), the quote form, and a quote's
premium breakdown with the prevention incentive. The policy form names its fields by their path in the terms
(``sections.third_party.limit``): :func:`terms_from_form` and :func:`terms_form_values` go from one to the
other."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import DomainError, FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep, render
from cyber360.cover import policy_service, products, quote_service
from cyber360.cover.model import (
    DEFAULT_QUOTE_YEARS,
    DEFAULT_SEED,
    DEFAULT_TOP_ACTIONS,
    FORM_SECTIONS,
    LOADING_NUMBERS,
    MAX_TOP_ACTIONS,
    OPERATING_FIELDS,
    POLICY_NUMBERS,
    SECTION_FIELDS,
    SECTION_LABELS,
    STATUS_LABELS,
    TRANSITIONS,
    PolicyCreate,
    PolicyStatus,
    PolicyUpdate,
    QuoteCreate,
    check_terms,
    format_percent,
    terms_field,
    terms_view,
)
from cyber360.org.page_support import (
    FormFields,
    IdPath,
    errors_by_field,
    filled,
    format_date,
    locale_of,
    refused_outright,
    see_other,
)

router = APIRouter(include_in_schema=False)
QUOTE_FIELDS = ("years", "seed", "top_actions")


def _errors(error: ValidationError | DomainError, request: Request) -> dict[str, str]:
    """Errors by form field: a path inside the terms names its field without the ``terms.`` prefix."""
    return {
        key.removeprefix("terms."): value for key, value in errors_by_field(error, locale_of(request)).items()
    }


def _context(**values: Any) -> dict[str, Any]:
    return {
        "section_labels": SECTION_LABELS,
        "status_labels": STATUS_LABELS,
        "format_date": format_date,
        "format_percent": format_percent,
        "errors": {},
        "values": {},
        **values,
    }


def _amount(value: Any) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def form_sections(terms: Mapping[str, Any]) -> tuple[str, ...]:
    """Sections the form shows: the components, plus ``all`` when the terms use it."""
    sections = terms.get("sections")
    extra = ("all",) if isinstance(sections, Mapping) and "all" in sections else ()
    return (*extra, *FORM_SECTIONS)


def parse_amount(text: str | None, path: str) -> float | None:
    """A number as a person types it (``1 000 000``, ``0,25``); blank is None (no limit, default)."""
    cleaned = "".join((text or "").split()).replace("\u202f", "").replace("\xa0", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise FieldError(terms_field(path), "float_parsing") from None
    if not math.isfinite(value):
        raise FieldError(terms_field(path), "error.cover_terms_finite")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _set_or_drop(target: dict[str, Any], key: str, value: float | None) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def terms_from_form(current: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """New terms from the policy form: fields are named by their path in the terms
    (``sections.third_party.limit``); a blank amount means no limit (or the grammar's default); a section
    is covered when ``sections.<name>.covered`` is ``yes``. What the form does not show is kept."""
    terms = copy.deepcopy(dict(current))
    sections: dict[str, Any] = {}
    for name in form_sections(current):
        prefix = f"sections.{name}"
        if fields.get(f"{prefix}.covered", "") != "yes":
            continue
        section: dict[str, Any] = {}
        for key in SECTION_FIELDS:
            _set_or_drop(section, key, parse_amount(fields.get(f"{prefix}.{key}"), f"{prefix}.{key}"))
        sections[name] = section
    terms["sections"] = sections
    raw_operating = terms.get("operating_loss")
    operating = dict(raw_operating) if isinstance(raw_operating, Mapping) else {}
    for key in OPERATING_FIELDS:
        path = f"operating_loss.{key}"
        _set_or_drop(operating, key, parse_amount(fields.get(path), path))
    terms["operating_loss"] = operating
    for key in POLICY_NUMBERS:
        _set_or_drop(terms, key, parse_amount(fields.get(key), key))
    raw_loadings = terms.get("loadings")
    loadings = dict(raw_loadings) if isinstance(raw_loadings, Mapping) else {}
    for key in LOADING_NUMBERS:
        path = f"loadings.{key}"
        _set_or_drop(loadings, key, parse_amount(fields.get(path), path))
    terms["loadings"] = loadings
    terms["exclude_systemic"] = fields.get("exclude_systemic", "") == "yes"
    return terms


def terms_form_values(terms: dict[str, Any]) -> dict[str, str]:
    """The policy form's fields for stored terms (named by their path in the terms)."""
    values: dict[str, str] = {}
    sections = terms.get("sections", {})
    for name in form_sections(terms):
        section = sections.get(name)
        values[f"sections.{name}.covered"] = "yes" if section is not None else "no"
        for key in SECTION_FIELDS:
            values[f"sections.{name}.{key}"] = _amount((section or {}).get(key))
    for key in OPERATING_FIELDS:
        values[f"operating_loss.{key}"] = _amount(terms.get("operating_loss", {}).get(key))
    for key in POLICY_NUMBERS:
        values[key] = _amount(terms.get(key))
    for key in LOADING_NUMBERS:
        values[f"loadings.{key}"] = _amount(terms.get("loadings", {}).get(key))
    values["exclude_systemic"] = "yes" if terms.get("exclude_systemic") else "no"
    return values


# Index and new policy ---------------------------------------------------------------------------------------


@router.get("/cover")
def cover_index(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    policies = policy_service.list_policies(uow, principal)
    latest = {policy.id: quote_service.latest_quote(uow, policy.id) for policy in policies}
    insurable = policy_service.insurable_ghts(uow, principal)
    context = _context(policies=policies, latest=latest, insurable=insurable)
    return render(request, "cover/index.html", context)


def _new_policy_page(
    request: Request, principal: Principal, uow: UnitOfWork, ght_id: int, **extra: Any
) -> HTMLResponse:
    ght = policy_service.new_policy_ght(uow, principal, ght_id)
    start = date.today()
    try:
        end = start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        end = start + timedelta(days=364)
    defaults = {
        "product": products.default_product().key,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
    status = int(extra.pop("status", 200))
    context = _context(
        ght=ght,
        eligible=policy_service.is_eligible(ght),
        product_choices=products.choices(locale_of(request)),
        values={**defaults, **extra.pop("values", {})},
        **extra,
    )
    return render(request, "cover/policy_new.html", context, status_code=status)


@router.get("/ghts/{ght_id}/policies/new")
def new_policy_page(request: Request, ght_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _new_policy_page(request, principal, uow, ght_id)


@router.post("/ghts/{ght_id}/policies")
def create_policy(
    request: Request, ght_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = {key: fields.get(key, "") for key in ("product", "period_start", "period_end")}
    try:
        command = PolicyCreate.model_validate(filled(values))
        policy = policy_service.create_policy(uow, principal, ght_id, command)
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        uow.rollback()
        errors = _errors(error, request)
        return _new_policy_page(request, principal, uow, ght_id, errors=errors, values=values, status=422)
    uow.commit()
    return see_other(f"/policies/{policy.id}?saved=created")


# A policy ---------------------------------------------------------------------------------------------------


def _policy_page(
    request: Request, principal: Principal, uow: UnitOfWork, policy_id: int, **extra: Any
) -> HTMLResponse:
    row = policy_service.policy_row(uow, principal, policy_id)
    policy = policy_service.public(uow, row)
    status = int(extra.pop("status", 200))
    values: dict[str, Any] = {
        "policy": policy,
        "terms": terms_view(check_terms(policy.terms)),
        "product": products.find_product(policy.product),
        "quotes": [quote_service.summary(item) for item in quote_service.quote_rows(uow, row.id)],
        "can_change": policy_service.can_change(principal, row),
        "can_quote": quote_service.can_quote(principal, row),
        "next_statuses": [item.value for item in PolicyStatus if item in TRANSITIONS[policy.status]],
        "form_sections": form_sections(policy.terms),
        "form": terms_form_values(policy.terms),
        "quote_values": {
            "years": DEFAULT_QUOTE_YEARS,
            "seed": DEFAULT_SEED,
            "top_actions": DEFAULT_TOP_ACTIONS,
        },
        "max_top_actions": MAX_TOP_ACTIONS,
        "quote_errors": {},
        "saved": request.query_params.get("saved", "")[:40],
    }
    context = _context(**{**values, **extra})
    return render(request, "cover/policy.html", context, status_code=status)


@router.get("/policies/{policy_id}")
def policy_page(request: Request, policy_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _policy_page(request, principal, uow, policy_id)


@router.post("/policies/{policy_id}/terms")
def update_terms(
    request: Request, policy_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    current = policy_service.get_policy(uow, principal, policy_id)
    try:
        dates = filled({key: fields.get(key, "") for key in ("period_start", "period_end")})
        command = PolicyUpdate.model_validate({"terms": terms_from_form(current.terms, fields), **dates})
        policy_service.update_policy(uow, principal, policy_id, command)
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        uow.rollback()
        errors = _errors(error, request)
        form = {**terms_form_values(current.terms), **fields}
        return _policy_page(request, principal, uow, policy_id, errors=errors, form=form, status=422)
    uow.commit()
    return see_other(f"/policies/{policy_id}?saved=terms")


@router.post("/policies/{policy_id}/status")
def update_status(
    request: Request, policy_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    try:
        command = PolicyUpdate.model_validate(filled({"status": fields.get("status", "")}))
        policy_service.update_policy(uow, principal, policy_id, command)
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        uow.rollback()
        return _policy_page(request, principal, uow, policy_id, errors=_errors(error, request), status=422)
    uow.commit()
    return see_other(f"/policies/{policy_id}?saved=status")


@router.post("/policies/{policy_id}/quotes")
def create_quote(
    request: Request, policy_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    values = {key: fields.get(key, "") for key in QUOTE_FIELDS}
    try:
        command = QuoteCreate.model_validate(filled(values))
        quote = quote_service.create_quote(uow, principal, policy_id, command)
    except (ValidationError, DomainError) as error:
        if refused_outright(error):
            raise
        uow.rollback()
        errors = _errors(error, request)
        return _policy_page(
            request, principal, uow, policy_id, quote_errors=errors, quote_values=values, status=422
        )
    uow.commit()
    return see_other(f"/quotes/{quote.id}")


@router.get("/quotes/{quote_id}")
def quote_page(request: Request, quote_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    quote = quote_service.get_quote(uow, principal, quote_id)
    policy = policy_service.get_policy(uow, principal, quote.policy_id)
    return render(request, "cover/quote.html", _context(quote=quote, policy=policy))
