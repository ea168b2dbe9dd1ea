"""JSON routes of the cover area: products, policies of a GHT, quotes of a policy, the underwriting file."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.web import CurrentUser, UowDep, request_locale
from cyber360.cover import policy_service, products, quote_service, report
from cyber360.cover.model import (
    PolicyCreate,
    PolicyPublic,
    PolicyUpdate,
    QuoteCreate,
    QuotePublic,
    QuoteSummary,
)

router = APIRouter(prefix="/api/v1", tags=["cover"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("/products")
def api_products(request: Request, principal: CurrentUser) -> list[dict[str, Any]]:
    """The packaged products: default terms, exclusions, conditions and the source of every figure."""
    locale = request_locale(request)
    return [
        {
            "key": product.key,
            "name": product.name(locale),
            "description": product.description(locale),
            "terms": product.terms(),
            "exclusions": [{"key": item.key, "text": item.text(locale)} for item in product.exclusions],
            "conditions": [{"key": item.key, "text": item.text(locale)} for item in product.conditions],
            "sources": [{"path": path, "text": text} for path, text in product.sources],
        }
        for product in products.load_products().values()
    ]


@router.get("/policies")
def api_policies(principal: CurrentUser, uow: UowDep) -> list[PolicyPublic]:
    """Every policy the user reads."""
    return policy_service.list_policies(uow, principal)


@router.get("/ghts/{ght_id}/policies")
def api_ght_policies(ght_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[PolicyPublic]:
    return policy_service.list_policies(uow, principal, ght_id)


@router.post("/ghts/{ght_id}/policies", status_code=status.HTTP_201_CREATED)
def api_create_policy(
    ght_id: IdPath, body: PolicyCreate, principal: CurrentUser, uow: UowDep
) -> PolicyPublic:
    """A draft policy of the underwriter's insurer (terms default to the product's)."""
    policy = policy_service.create_policy(uow, principal, ght_id, body)
    uow.commit()
    return policy


@router.get("/policies/{policy_id}")
def api_policy(policy_id: IdPath, principal: CurrentUser, uow: UowDep) -> PolicyPublic:
    return policy_service.get_policy(uow, principal, policy_id)


@router.patch("/policies/{policy_id}")
def api_update_policy(
    policy_id: IdPath, body: PolicyUpdate, principal: CurrentUser, uow: UowDep
) -> PolicyPublic:
    """Terms and period of a draft; status draft -> bound -> expired / cancelled."""
    policy = policy_service.update_policy(uow, principal, policy_id, body)
    uow.commit()
    return policy


@router.get("/policies/{policy_id}/quotes")
def api_quotes(policy_id: IdPath, principal: CurrentUser, uow: UowDep) -> list[QuoteSummary]:
    return quote_service.list_quotes(uow, principal, policy_id)


@router.post("/policies/{policy_id}/quotes", status_code=status.HTTP_201_CREATED)
def api_create_quote(
    policy_id: IdPath, body: QuoteCreate, principal: CurrentUser, uow: UowDep
) -> QuotePublic:
    """Price the policy on the GHT's current risk and after the plan's top actions (seconds at most)."""
    quote = quote_service.create_quote(uow, principal, policy_id, body)
    uow.commit()
    return quote


@router.get("/quotes/{quote_id}")
def api_quote(quote_id: IdPath, principal: CurrentUser, uow: UowDep) -> QuotePublic:
    return quote_service.get_quote(uow, principal, quote_id)


@router.get("/policies/{policy_id}/underwriting.pdf", response_class=Response)
def api_underwriting_file(
    request: Request, policy_id: IdPath, principal: CurrentUser, uow: UowDep
) -> Response:
    """The underwriting file of the policy's GHT (PDF, French first)."""
    pdf = report.underwriting_pdf(uow, principal, policy_id, request_locale(request))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="dossier-souscription-{policy_id}.pdf"'},
    )
