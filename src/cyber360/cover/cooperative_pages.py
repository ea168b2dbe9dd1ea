"""HTML pages of the cooperative view: the member GHTs and their subscription (the buyer toggles it), and
the anonymised figures over the subscribed GHTs, each suppressed one said so with its number of GHTs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import FieldError
from cyber360.core.i18n import N_
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep
from cyber360.cover import cooperative_service as service
from cyber360.cover.cooperative import MIN_GHTS, Reason
from cyber360.org.page_support import FormFields, errors_by_field, locale_of, page, see_other

router = APIRouter(include_in_schema=False)

SECTION_LABELS = {
    "subscriptions": N_("Adhésions et souscriptions"),
    "risk": N_("Risque cyber des GHT souscripteurs"),
    "aal_by_region": N_("Perte annuelle moyenne par région"),
    "maturity_bands": N_("GHT par niveau de maturité"),
    "premiums": N_("Primes techniques"),
    "claims": N_("Sinistres"),
}
LINE_LABELS = {
    "members": N_("GHT membres de la coopérative"),
    "subscribers": N_("GHT ayant souscrit l'offre"),
    "aal_total": N_("Perte annuelle moyenne, total"),
    "aal_mean": N_("Perte annuelle moyenne par GHT, moyenne"),
    "aal_q1": N_("Perte annuelle moyenne par GHT, premier quartile"),
    "aal_median": N_("Perte annuelle moyenne par GHT, médiane"),
    "aal_q3": N_("Perte annuelle moyenne par GHT, troisième quartile"),
    "maturity_mean": N_("Maturité moyenne des mesures évaluées (0-5)"),
    "ghts": N_("Nombre de GHT"),
    "premium_total": N_("Prime technique, total"),
    "premium_median": N_("Prime technique par GHT, médiane"),
    "premium_after_total": N_("Prime technique après les plans d'action, total"),
    "premium_reduction": N_("Baisse de prime que donneraient les plans d'action"),
    "premium_reduction_share": N_("Baisse de prime, en part de la prime"),
    "claims_total": N_("Sinistres déclarés"),
    "claims_by_state": N_("Sinistres par état"),
    "claims_paid_total": N_("Indemnités payées, total"),
}
CLAIM_STATE_LABELS = {
    "declared": N_("Déclaré"),
    "under_review": N_("En cours d'instruction"),
    "accepted": N_("Accepté"),
    "paid": N_("Payé"),
    "refused": N_("Refusé"),
}
REASON_LABELS = {
    Reason.TOO_FEW_GHTS.value: N_("non publié : moins de {min} GHT"),
    Reason.DOMINANT_GHT.value: N_("non publié : un seul GHT en ferait plus de 85 %"),
    Reason.DIFFERENCING.value: N_("non publié : rapproché du total, il révélerait moins de {min} GHT"),
}


def _page(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "view": service.view(uow, principal),
        "errors": errors or {},
        "min_ghts": MIN_GHTS,
        "section_labels": SECTION_LABELS,
        "line_labels": LINE_LABELS,
        "claim_state_labels": CLAIM_STATE_LABELS,
        "reason_labels": REASON_LABELS,
    }
    return page(request, "cover/cooperative.html", context, status_code=status)


@router.get("/cooperative")
def cooperative_page(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _page(request, principal, uow)


@router.post("/cooperative/subscriptions")
def cooperative_subscription(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields
) -> Response:
    """The buyer records that a member GHT subscribed, or that it left."""
    try:
        command = service.SubscriptionChange(
            ght_id=fields.get("ght_id") or None, subscribed=fields.get("subscribed") or None
        )
        service.set_subscription(uow, principal, command)
    except (ValidationError, FieldError) as error:
        uow.rollback()
        return _page(request, principal, uow, errors=errors_by_field(error, locale_of(request)), status=422)
    return see_other("/cooperative?saved=subscription")
