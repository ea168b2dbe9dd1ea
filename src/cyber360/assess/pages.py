"""HTML pages of the assess area: overview, framework library, assessments and their answers (exposure
pages: ``exposure_pages``). Thin: parse the form, call a service, render or redirect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from cyber360.assess import access, assessment_analysis, assessment_service, evidence_service, library_service
from cyber360.assess.api import evidence_store
from cyber360.assess.errors import Refused
from cyber360.assess.labels import LABELS
from cyber360.assess.model import AssessmentAction
from cyber360.assess.schemas import AnswerIn, AnswersUpdate, AssessmentCreate, LibraryImport
from cyber360.assess.uploads import PageUpload, refusal_messages
from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import DomainError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, SettingsDep, UowDep
from cyber360.org import service as org_service
from cyber360.org.page_support import IdPath, errors_by_field, locale_of, page, see_other

router = APIRouter(include_in_schema=False)


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def assess_page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    return page(request, template, {**LABELS, **context}, status_code=status_code)


def _errors(request: Request, uow: UnitOfWork, error: ValidationError | DomainError) -> dict[str, str]:
    """The refused change is undone before the form is shown again with the reasons."""
    uow.rollback()
    if isinstance(error, Refused):
        return refusal_messages(error, locale_of(request))
    return errors_by_field(error, locale_of(request))


# Overview and library ---------------------------------------------------------------------------------------


@router.get("/assess")
def overview(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    assessments = assessment_service.list_assessments(uow, principal)
    establishments = (
        [] if principal.role in access.NO_TENANT_CONTENT else org_service.list_establishments(uow, principal)
    )
    context = {
        "assessments": assessments,
        "establishments": establishments,
        "can_create": bool(_scopes(uow, principal)),
        "tenant_content": principal.role not in access.NO_TENANT_CONTENT,
    }
    return assess_page(request, "assess/index.html", context)


def _frameworks_page(request: Request, principal: Principal, uow: UnitOfWork, **context: Any) -> HTMLResponse:
    status = int(context.pop("status", 200))
    frameworks = library_service.list_frameworks(uow, principal, locale_of(request))
    ghts = [ght for ght in org_service.list_ghts(uow, principal) if principal.can_write_ght(ght.id)]
    full = {
        "frameworks": frameworks,
        "can_import": access.can_import_library(principal),
        "ghts": ghts,
        **context,
    }
    return assess_page(request, "assess/frameworks.html", full, status_code=status)


@router.get("/assess/frameworks")
def frameworks(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _frameworks_page(request, principal, uow)


@router.post("/assess/frameworks")
def framework_import(
    request: Request, upload: PageUpload, principal: PageUser, uow: UowDep, settings: SettingsDep
) -> Response:
    try:
        command = LibraryImport.model_validate({"ght_id": upload.fields.get("ght_id") or None})
        framework = library_service.import_library(
            uow, principal, upload.require(), command, max_bytes=settings.upload_max_bytes
        )
    except (ValidationError, DomainError) as error:
        if not isinstance(error, ValidationError) and error.status_code in {403, 404}:
            raise
        errors = _errors(request, uow, error)
        return _frameworks_page(request, principal, uow, errors=errors, status=error_status(error))
    return see_other(f"/assess/frameworks/{framework.id}?saved=imported")


def error_status(error: ValidationError | DomainError) -> int:
    return 422 if isinstance(error, ValidationError) else error.status_code


@router.get("/assess/frameworks/{framework_id}")
def framework_detail(
    request: Request, framework_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    framework = library_service.get_framework(uow, principal, framework_id, locale_of(request))
    return assess_page(request, "assess/framework.html", {"framework": framework})


# Creating an assessment -------------------------------------------------------------------------------------


def _scopes(uow: UnitOfWork, principal: Principal) -> list[tuple[str, str]]:
    """The scopes the principal may assess: ``("establishment:<id>", name)`` and ``("ght:<id>", name)``."""
    if principal.role not in access.WRITERS:
        return []
    options = [
        (f"ght:{ght.id}", ght.name)
        for ght in org_service.list_ghts(uow, principal)
        if access.can_write(principal, ght.id, None)
    ]
    options += [
        (f"establishment:{item.id}", item.name)
        for item in org_service.list_establishments(uow, principal)
        if access.can_write(principal, item.ght_id, item.id)
    ]
    return options


def _new_page(request: Request, principal: Principal, uow: UnitOfWork, **context: Any) -> HTMLResponse:
    status = int(context.pop("status", 200))
    values: dict[str, Any] = context.pop("values", {})
    frameworks = library_service.list_frameworks(uow, principal, locale_of(request))
    chosen = next((item for item in frameworks if str(item.id) == str(values.get("framework_id", ""))), None)
    groups = context.pop("groups", None)
    if groups is None and chosen is not None:
        groups = [group.ref_id for group in chosen.implementation_groups if group.default_selected] or [
            group.ref_id for group in chosen.implementation_groups
        ]
    full = {
        "frameworks": frameworks,
        "chosen": chosen,
        "groups": groups or [],
        "scopes": _scopes(uow, principal),
        "values": values,
        **context,
    }
    return assess_page(request, "assess/new.html", full, status_code=status)


@router.get("/assess/new")
def new_assessment(
    request: Request,
    principal: PageUser,
    uow: UowDep,
    scope: Annotated[str, Query(max_length=40)] = "",
    framework_id: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    return _new_page(request, principal, uow, values={"scope": scope, "framework_id": framework_id})


def _scope_values(scope: str) -> dict[str, int | None]:
    kind, _, number = scope.partition(":")
    value = int(number) if number.isdigit() and 0 < int(number) <= MAX_ROW_ID else None
    if kind == "ght":
        return {"ght_id": value or -1}
    return {"establishment_id": value or -1}


@router.post("/assess/new")
def create_assessment(request: Request, principal: PageWriter, uow: UowDep, form: Form) -> Response:
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        command = AssessmentCreate.model_validate(
            {
                "framework_id": fields.get("framework_id") or None,
                "title": fields.get("title", "")[:1000],
                "implementation_groups": [
                    str(item)[:200] for item in form.getlist("implementation_groups")[:50]
                ]
                or None,
                **_scope_values(fields.get("scope", "")),
            }
        )
        created = assessment_service.create_assessment(uow, principal, command)
    except (ValidationError, DomainError) as error:
        errors = _errors(request, uow, error)
        for name in ("ght_id", "establishment_id"):
            if name in errors:
                errors["scope"] = errors.pop(name)
        groups = [str(item) for item in form.getlist("implementation_groups")]
        return _new_page(
            request, principal, uow, values=fields, groups=groups, errors=errors, status=error_status(error)
        )
    return see_other(f"/assess/assessments/{created.id}/answers?saved=created")


# An assessment ----------------------------------------------------------------------------------------------


@router.get("/assess/assessments/{assessment_id}")
def assessment_detail(
    request: Request, assessment_id: IdPath, principal: PageUser, uow: UowDep
) -> HTMLResponse:
    assessment = assessment_service.get_assessment(uow, principal, assessment_id, locale_of(request))
    siblings = [
        item
        for item in assessment_service.list_assessments(uow, principal, ght_id=assessment.ght_id)
        if item.id != assessment.id and item.framework_id == assessment.framework_id
    ]
    context = {"assessment": assessment, "others": siblings, "errors": {}}
    return assess_page(request, "assess/assessment.html", context)


def _answers_page(
    request: Request, principal: Principal, uow: UnitOfWork, assessment_id: int, **context: Any
) -> HTMLResponse:
    status = int(context.pop("status", 200))
    assessment = assessment_service.get_assessment(uow, principal, assessment_id, locale_of(request))
    full = {"assessment": assessment, "focus": "", "values": {}, **context}
    return assess_page(request, "assess/answers.html", full, status_code=status)


@router.get("/assess/assessments/{assessment_id}/answers")
def answers(request: Request, assessment_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _answers_page(request, principal, uow, assessment_id)


@router.post("/assess/assessments/{assessment_id}/answers")
def save_answer(
    request: Request,
    assessment_id: IdPath,
    upload: PageUpload,
    principal: PageUser,
    uow: UowDep,
    settings: SettingsDep,
) -> Response:
    """One requirement's answer, and optionally an evidence file for it (one form per requirement)."""
    fields = upload.fields
    urn = fields.get("requirement_urn", "")
    store = evidence_store(settings)
    try:
        assessment_service.assessment_row(uow, principal, assessment_id)  # out of scope: 404 before anything
        if upload.data is not None:
            evidence_service.check_file(upload.filename, upload.data, store.max_bytes)
        score = fields.get("score", "").strip()
        answer = AnswerIn.model_validate(
            {"requirement_urn": urn, "score": score or None, "comment": fields.get("comment", "")}
        )
        assessment_service.save_answers(uow, principal, assessment_id, AnswersUpdate(answers=[answer]))
        if upload.data is not None:
            evidence_service.add_evidence(
                uow, principal, store, assessment_id, urn, upload.filename, upload.data
            )
    except (ValidationError, DomainError) as error:
        if not isinstance(error, ValidationError) and error.status_code == 404:
            raise
        errors = {key.rsplit(".", 1)[-1]: value for key, value in _errors(request, uow, error).items()}
        return _answers_page(
            request,
            principal,
            uow,
            assessment_id,
            errors=errors,
            focus=urn.lower(),
            values=fields,
            status=error_status(error),
        )
    anchor = fields.get("anchor", "")[:20]
    return see_other(
        f"/assess/assessments/{assessment_id}/answers?saved=answer#{anchor if anchor.isalnum() else ''}"
    )


def _transition(
    request: Request, principal: Principal, uow: UnitOfWork, assessment_id: int, action: AssessmentAction
) -> Response:
    try:
        assessment_service.change_status(uow, principal, assessment_id, action)
    except DomainError as error:
        if error.status_code in {403, 404}:
            raise
        assessment = assessment_service.get_assessment(uow, principal, assessment_id, locale_of(request))
        context = {"assessment": assessment, "others": [], "errors": _errors(request, uow, error)}
        return assess_page(request, "assess/assessment.html", context, status_code=error.status_code)
    return see_other(f"/assess/assessments/{assessment_id}?saved={action.value}")


@router.post("/assess/assessments/{assessment_id}/submit")
def submit(request: Request, assessment_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    return _transition(request, principal, uow, assessment_id, AssessmentAction.SUBMIT)


@router.post("/assess/assessments/{assessment_id}/validate")
def validate(request: Request, assessment_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    return _transition(request, principal, uow, assessment_id, AssessmentAction.VALIDATE)


@router.post("/assess/assessments/{assessment_id}/reopen")
def reopen(request: Request, assessment_id: IdPath, principal: PageWriter, uow: UowDep) -> Response:
    return _transition(request, principal, uow, assessment_id, AssessmentAction.REOPEN)


@router.post("/assess/evidence/{evidence_id}/delete")
def delete_evidence(
    request: Request, evidence_id: IdPath, principal: PageWriter, uow: UowDep, settings: SettingsDep
) -> Response:
    assessment_id = evidence_service.delete_evidence(uow, principal, evidence_store(settings), evidence_id)
    return see_other(f"/assess/assessments/{assessment_id}/answers?saved=evidence_deleted")


@router.get("/assess/assessments/{assessment_id}/compare")
def compare(
    request: Request,
    assessment_id: IdPath,
    principal: PageUser,
    uow: UowDep,
    other: Annotated[int, Query(ge=1, le=MAX_ROW_ID)],
) -> HTMLResponse:
    locale = locale_of(request)
    assessment = assessment_service.get_assessment(uow, principal, assessment_id, locale)
    earlier = assessment_service.get_assessment(uow, principal, other, locale)
    comparison = assessment_analysis.compare(uow, principal, other, assessment_id, locale)
    context = {"assessment": assessment, "earlier": earlier, "comparison": comparison}
    return assess_page(request, "assess/compare.html", context)
