"""The underwriting file of a policy's GHT: a PDF (WeasyPrint), French first, English on request.

What an underwriter files to price and bind: the GHT and its establishments (size, control maturity, latest
quantified risk), the GHT's risk in euros (AAL, VaR / TVaR, exceedance by return period, from the latest
quote's simulation), the policy's terms in plain words, the latest quote's premium breakdown and the
prevention incentive (premium after the plan's top actions), then the assumptions and sources: the
product's cited figures, the model version, seed, years and the inputs' SHA-256. Drawn by the server,
nothing fetched from the network.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cyber360.core import i18n
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import build_templates
from cyber360.cover import policy_service, products, quote_service
from cyber360.cover.model import SECTION_LABELS, STATUS_LABELS, check_terms, format_percent, terms_view
from cyber360.org.page_support import KIND_LABELS
from cyber360.org.tables import EstablishmentRow, GhtRow
from cyber360.risk import report as risk_report
from cyber360.risk import service as risk_service

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _establishments(
    uow: UnitOfWork, ght: GhtRow, quote_inputs: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Each establishment with its size, its mean maturity (as priced) and its latest quantified risk."""
    maturity_by_id = {
        member["establishment_id"]: member["maturity"]
        for member in (quote_inputs or {}).get("establishments", [])
    }
    rows = uow.session.execute(
        select(EstablishmentRow).where(EstablishmentRow.ght_id == ght.id).order_by(EstablishmentRow.id)
    ).scalars()
    result = []
    for row in rows:
        latest = risk_service.latest(uow, ght.id, row.id)
        maturity = maturity_by_id.get(row.id)
        if maturity is None and latest is not None:
            maturity = json.loads(latest.inputs).get("maturity", {})
        values = list((maturity or {}).values())
        result.append(
            {
                "name": row.name,
                "kind": KIND_LABELS.get(row.kind, row.kind),
                "beds": row.beds,
                "revenue": row.annual_revenue_eur,
                "support": row.id == ght.support_establishment_id,
                "maturity": sum(values) / len(values) if values else None,
                "maturities": maturity or {},
                "aal": latest.total_aal if latest else None,
                "var": json.loads(latest.summary)["total"]["var"].get("99.5") if latest else None,
            }
        )
    return result


def report_context(uow: UnitOfWork, principal: Principal, policy_id: int, locale: str) -> dict[str, Any]:
    row = policy_service.policy_row(uow, principal, policy_id)
    policy = policy_service.public(uow, row)
    ght = uow.session.get(GhtRow, row.ght_id)
    assert ght is not None
    quote = quote_service.latest_quote(uow, row.id)
    quote_inputs = json.loads(quote_service.quote_rows(uow, row.id)[0].inputs)["risk"] if quote else None
    establishments = _establishments(uow, ght, quote_inputs)
    radar = risk_report.radar_by_function(
        [item["maturities"] for item in establishments if item["maturities"]]
    )
    product = products.find_product(row.product)
    ght_snapshot = risk_service.latest(uow, ght.id, None)
    return {
        "_": i18n.translator(locale),
        "locale": locale,
        "today": date.today(),
        "ght": ght,
        "policy": policy,
        "terms": terms_view(check_terms(policy.terms)),
        "product": product,
        "quote": quote,
        "establishments": establishments,
        "radar": radar,
        "functions": risk_report.FUNCTIONS,
        "function_labels": risk_report.FUNCTION_LABELS,
        "ght_risk": json.loads(ght_snapshot.summary)["total"] if ght_snapshot else None,
        "ght_snapshot": ght_snapshot,
        "section_labels": SECTION_LABELS,
        "status_labels": STATUS_LABELS,
        "model_version": risk_service.model_version(),
        "format_eur": i18n.format_eur,
        "format_number": i18n.format_number,
        "format_percent": format_percent,
    }


def render_html(context: dict[str, Any]) -> str:
    environment = build_templates([TEMPLATES])
    return environment.get_template("cover/underwriting.html").render(context)


def underwriting_pdf(uow: UnitOfWork, principal: Principal, policy_id: int, locale: str = "fr") -> bytes:
    from weasyprint import HTML

    html = render_html(report_context(uow, principal, policy_id, locale))
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
