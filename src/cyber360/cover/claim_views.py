"""How a claim is stored and shown: the explanation kept as JSON, its lines said in the reader's language,
the claim's public views, and the messages of the claims' errors (registered in the shell's catalogue).

The explanation is stored as computed (term codes, amounts and the terms' figures), never as text, so that a
claim reads in French or English alike; a line's text is "<section> <before> ; <term> : <after>", as in
"Pertes d'exploitation 1 200 000 € ; franchise de 12 h sur 30 jours d'exploitation dégradée : 1 180 000 €".
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any, Final

from sqlalchemy import select

from cyber360.core import i18n
from cyber360.core.i18n import N_
from cyber360.core.uow import UnitOfWork
from cyber360.cover.claim_model import (
    ClaimEvidencePublic,
    ClaimItemPublic,
    ClaimPublic,
    ClaimSummary,
    ExplanationLinePublic,
    ExplanationPublic,
)
from cyber360.cover.claims import Consumption, Indemnity
from cyber360.cover.tables import ClaimEvidenceRow, ClaimItemRow, ClaimRow, PolicyRow
from cyber360.org.tables import EstablishmentRow

EXPLANATION_VERSION: Final = 1
SECTION_LABELS: Final = {
    "asset_damage": N_("Dommages propres"),
    "business_interruption": N_("Pertes d'exploitation"),
    "third_party": N_("Responsabilité civile"),
    "crisis_costs": N_("Frais de gestion de crise"),
    "all": N_("Toutes garanties"),
}

#: The text of each term of ``cover.claims`` (French source, translated on display; placeholders filled
#: from ``Line.params``).
TERM_TEXTS: Final = {
    "declared": N_("pertes déclarées ({items} poste(s))"),
    "not_covered": N_("garantie non souscrite au contrat : aucune indemnité"),
    "time_waiting": N_("franchise de {waiting_hours} h sur {degraded_days} jours d'exploitation dégradée"),
    "time_period": N_(
        "période d'indemnisation de {indemnity_days} jours sur {degraded_days} jours d'exploitation dégradée"
    ),
    "time_both": N_(
        "franchise de {waiting_hours} h et période d'indemnisation de {indemnity_days} jours "
        "sur {degraded_days} jours d'exploitation dégradée"
    ),
    "time_unknown": N_(
        "durée d'exploitation dégradée non renseignée : franchise horaire et période d'indemnisation "
        "non appliquées"
    ),
    "section_total": N_("total de la section"),
    "deductible": N_("franchise par sinistre {deductible_eur}"),
    "limit": N_("limite par sinistre {limit_eur}"),
    "section_aggregate": N_(
        "agrégat annuel de la section {limit_eur} : {consumed_eur} déjà consommés, reste {remaining_eur}"
    ),
    "share": N_("part de l'assureur {share_percent} %"),
    "systemic_exclusion": N_(
        "événement systémique (guerre, attaque étatique) exclu par le contrat : aucune indemnité"
    ),
    "sections_total": N_("total des garanties"),
    "policy_deductible": N_(
        "franchise annuelle du contrat {deductible_eur} : {absorbed_eur} déjà absorbés, reste {remaining_eur}"
    ),
    "policy_aggregate": N_(
        "agrégat annuel du contrat {limit_eur} : {consumed_eur} déjà consommés, reste {remaining_eur}"
    ),
    "complaint_in_time": N_(
        "plainte déposée {hours} h après la connaissance de l'attaque : dans le délai de 72 h (L.12-10-1)"
    ),
    "complaint_late": N_(
        "plainte déposée {hours} h après la connaissance de l'attaque : au-delà de 72 h, aucune indemnité "
        "(L.12-10-1)"
    ),
    "complaint_missing": N_(
        "aucune plainte déposée : sans plainte dans les 72 h, aucune indemnité (L.12-10-1)"
    ),
    "complaint_not_required": N_(
        "événement non malveillant : la condition de plainte (L.12-10-1) ne s'applique pas"
    ),
    "indemnity": N_("indemnité proposée"),
}


POLICY_LABEL: Final = N_("Contrat")
STATE_LABELS: Final = {
    "declared": N_("Déclaré"),
    "under_review": N_("En instruction"),
    "accepted": N_("Accepté"),
    "paid": N_("Payé"),
    "refused": N_("Refusé"),
}
TRANSITION_LABELS: Final = {
    "review": N_("Prendre en instruction"),
    "accept": N_("Accepter"),
    "pay": N_("Enregistrer le paiement"),
    "refuse": N_("Refuser"),
}
_WITH_BEFORE: Final = N_("{section} {before} ; {term} : {after}")
_WITHOUT_BEFORE: Final = N_("{section} ; {term} : {after}")

ERROR_MESSAGES: Final = {
    "error.claim_policy_not_bound": N_(
        "Ce contrat n'est pas en vigueur : aucun sinistre ne peut y être déclaré."
    ),
    "error.claim_outside_period": N_(
        "L'attaque doit avoir été connue pendant la période du contrat (du {start} au {end})."
    ),
    "error.claim_future": N_("Cet instant est dans le futur."),
    "error.claim_complaint_before": N_("La plainte ne peut précéder la connaissance de l'attaque."),
    "error.claim_incident_other_ght": N_("Cet incident n'appartient pas au GHT du contrat."),
    "error.claim_establishment_other_ght": N_("Cet établissement n'appartient pas au GHT du contrat."),
    "error.claim_establishment_incident": N_("L'établissement doit être celui de l'incident."),
    "error.claim_incident_declared": N_("Un sinistre est déjà déclaré sur ce contrat pour cet incident."),
    "error.claim_section_not_covered": N_("Le contrat ne couvre pas cette garantie."),
    "error.claim_not_documentable": N_(
        "Le sinistre est décidé : ses pertes, ses pièces et ses faits ne changent plus."
    ),
    "error.claim_transition": N_("Impossible dans l'état actuel du sinistre."),
    "error.claim_no_items": N_("Déclarez au moins un poste de perte avant d'accepter le sinistre."),
    "error.claim_paid_above": N_("Le montant payé ne peut dépasser l'indemnité proposée."),
    "error.claim_too_many_items": N_("Un sinistre compte au plus {max} postes de perte."),
    "error.claim_too_many_files": N_("Un sinistre compte au plus {max} pièces jointes."),
    "error.claim_policy_terms": N_(
        "Les conditions du contrat sont illisibles : l'indemnité ne peut être calculée."
    ),
}

for _key, _message in ERROR_MESSAGES.items():
    i18n.ERROR_MESSAGES.setdefault(_key, _message)


# Stored explanation -----------------------------------------------------------------------------------------


def _finite(params: Any) -> dict[str, Any]:
    """The terms' figures that JSON can hold (an unlimited term is not shown, so not kept)."""
    return {k: v for k, v in params.items() if not (isinstance(v, float) and not math.isfinite(v))}


def stored(result: Indemnity, year: tuple[date, date]) -> str:
    """The JSON kept in ``ClaimRow.indemnity``."""
    document = {
        "version": EXPLANATION_VERSION,
        "policy_year": [year[0].isoformat(), year[1].isoformat()],
        "declared": result.declared,
        "indemnity": result.indemnity,
        "consumption": {"sections": dict(result.consumption.sections), "policy": result.consumption.policy},
        "lines": [
            {
                "term": line.term,
                "section": line.section,
                "before": line.before,
                "after": line.after,
                "params": _finite(line.params),
            }
            for line in result.lines
        ],
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False)


def _document(row: ClaimRow) -> dict[str, Any] | None:
    if not row.indemnity:
        return None
    document: dict[str, Any] = json.loads(row.indemnity)
    return document


def stored_consumption(row: ClaimRow) -> Consumption:
    document = _document(row)
    if document is None:
        return Consumption()
    consumption = document["consumption"]
    return Consumption(dict(consumption["sections"]), float(consumption["policy"]))


def stored_declared(row: ClaimRow) -> float:
    document = _document(row)
    return float(document["declared"]) if document else 0.0


# Texts ------------------------------------------------------------------------------------------------------


def _figure(name: str, value: Any, language: str) -> str:
    if isinstance(value, str):
        return value
    if name.endswith("_eur"):
        return i18n.format_eur(value, language)
    return i18n.format_number(round(float(value), 2), language)


def section_label(section: str | None, language: str) -> str:
    return i18n.translator(language)(SECTION_LABELS.get(section or "", POLICY_LABEL))


def _line(line: dict[str, Any], language: str) -> ExplanationLinePublic:
    translate = i18n.translator(language)
    figures = {name: _figure(name, value, language) for name, value in line["params"].items()}
    try:
        term = translate(TERM_TEXTS[line["term"]], **figures)
    except (KeyError, IndexError):
        term = translate(TERM_TEXTS.get(line["term"], line["term"]))
    label = section_label(line["section"], language)
    before, after = line["before"], float(line["after"])
    pattern = _WITHOUT_BEFORE if before is None else _WITH_BEFORE
    text = translate(
        pattern,
        section=label,
        before="" if before is None else i18n.format_eur(before, language),
        term=term,
        after=i18n.format_eur(after, language),
    )
    return ExplanationLinePublic(
        term=line["term"],
        section=line["section"],
        section_label=label,
        before_eur=before,
        after_eur=after,
        term_text=term,
        text=text,
    )


def explanation(row: ClaimRow, language: str) -> ExplanationPublic | None:
    document = _document(row)
    if document is None:
        return None
    return ExplanationPublic(
        policy_year_start=document["policy_year"][0],
        policy_year_end=document["policy_year"][1],
        declared_eur=float(document["declared"]),
        indemnity_eur=float(document["indemnity"]),
        lines=[_line(line, language) for line in document["lines"]],
    )


# Views ------------------------------------------------------------------------------------------------------


def summary(uow: UnitOfWork, row: ClaimRow) -> ClaimSummary:
    policy = uow.session.get(PolicyRow, row.policy_id)
    establishment = uow.session.get(EstablishmentRow, row.establishment_id) if row.establishment_id else None
    return ClaimSummary(
        id=row.id,
        reference=row.reference,
        policy_id=row.policy_id,
        policy_reference=policy.reference if policy else "",
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        establishment_name=establishment.name if establishment else "",
        incident_id=row.incident_id,
        title=row.title,
        state=row.state,
        learned_at=row.learned_at,
        declared_at=row.declared_at,
        declared_eur=stored_declared(row),
        proposed_indemnity_eur=row.proposed_indemnity_eur,
        paid_eur=row.paid_eur,
    )


def public(
    uow: UnitOfWork,
    row: ClaimRow,
    language: str,
    *,
    sections: list[str],
    can_document: bool,
    transitions: list[str],
) -> ClaimPublic:
    items = uow.session.execute(
        select(ClaimItemRow).where(ClaimItemRow.claim_id == row.id).order_by(ClaimItemRow.id)
    ).scalars()
    evidence = uow.session.execute(
        select(ClaimEvidenceRow).where(ClaimEvidenceRow.claim_id == row.id).order_by(ClaimEvidenceRow.id)
    ).scalars()
    return ClaimPublic(
        **summary(uow, row).model_dump(),
        complaint_filed_at=row.complaint_filed_at,
        complaint_reference=row.complaint_reference,
        degraded_days=row.degraded_days,
        systemic=row.systemic,
        decision_note=row.decision_note,
        decided_at=row.decided_at,
        paid_at=row.paid_at,
        items=[ClaimItemPublic.model_validate(item, from_attributes=True) for item in items],
        evidence=[ClaimEvidencePublic.model_validate(item, from_attributes=True) for item in evidence],
        explanation=explanation(row, language),
        sections=sections,
        can_document=can_document,
        transitions=transitions,
    )
