"""HTML pages of the technical exposure: an establishment's summary, assets, imports, and the import form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cyber360.assess import access, exposure_service, exposure_views
from cyber360.assess.errors import Refused
from cyber360.assess.pages import assess_page
from cyber360.assess.uploads import PageUpload, refusal_messages
from cyber360.core.errors import DomainError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, SettingsDep, UowDep
from cyber360.org.page_support import IdPath, errors_by_field, locale_of, see_other

router = APIRouter(include_in_schema=False)


def _exposure_page(
    request: Request, principal: Principal, uow: UnitOfWork, establishment_id: int, **context: Any
) -> HTMLResponse:
    status = int(context.pop("status", 200))
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    full = {
        "establishment": establishment,
        "summary": exposure_views.exposure_summary(uow, principal, establishment_id),
        "imports": exposure_service.list_imports(uow, principal, establishment_id),
        "assets": exposure_views.list_assets(uow, principal, establishment_id),
        "can_import": access.can_write(principal, establishment.ght_id, establishment.id),
        "last_import": None,
        **context,
    }
    return assess_page(request, "assess/exposure.html", full, status_code=status)


@router.get("/assess/establishments/{establishment_id}/exposure")
def exposure(request: Request, establishment_id: IdPath, principal: PageUser, uow: UowDep) -> HTMLResponse:
    imported = request.query_params.get("import", "")
    context: dict[str, Any] = {}
    if imported.isdigit():
        context["last_import"] = next(
            (
                item
                for item in exposure_service.list_imports(uow, principal, establishment_id)
                if str(item.id) == imported
            ),
            None,
        )
    return _exposure_page(request, principal, uow, establishment_id, **context)


@router.post("/assess/establishments/{establishment_id}/scans")
def import_scan(
    request: Request,
    establishment_id: IdPath,
    upload: PageUpload,
    principal: PageUser,
    uow: UowDep,
    settings: SettingsDep,
) -> Response:
    try:
        result = exposure_service.import_scan(
            uow,
            principal,
            establishment_id,
            upload.filename,
            upload.require(),
            max_bytes=settings.upload_max_bytes,
        )
    except DomainError as error:
        if error.status_code in {403, 404}:
            raise
        uow.rollback()
        locale = locale_of(request)
        errors = (
            refusal_messages(error, locale) if isinstance(error, Refused) else errors_by_field(error, locale)
        )
        return _exposure_page(
            request, principal, uow, establishment_id, errors=errors, status=error.status_code
        )
    return see_other(f"/assess/establishments/{establishment_id}/exposure?saved=imported&import={result.id}")
