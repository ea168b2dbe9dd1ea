"""Demo claim: the RSSI of GHT A declares the ransomware of the CH de l'Estuaire on the GHT's policy (from the
crisis demo's incident when it falls in the policy's period, else alone), documents three losses, and the
insurer's underwriter takes it under review. Nothing is done when GHT A has no policy in force."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from cyber360.core.db import utcnow
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.cover import access, claim_decisions, claim_documents, claim_service
from cyber360.cover.claim_model import ClaimCreate, ClaimDecision, ClaimItemCreate
from cyber360.cover.tables import PolicyRow
from cyber360.crisis.clocks import PARIS
from cyber360.crisis.tables import IncidentRow
from cyber360.org.auth import build_principal
from cyber360.org.tables import UserRow

RSSI = "rssi-a@demo.test"
UNDERWRITER = "assureur@demo.test"
TITLE = "Rançongiciel sur les serveurs du CH de l'Estuaire"
DEGRADED_DAYS = 21.0
#: (component, description, amount in EUR, evidence): orders of magnitude of a mid-size CH's ransomware.
ITEMS = (
    (
        "asset_damage",
        "Restauration des serveurs et des postes, investigation numérique",
        420_000.0,
        "Factures du prestataire de réponse à incident (PRIS) et du fabricant",
    ),
    (
        "business_interruption",
        "Activité des urgences, du bloc et du laboratoire réduite pendant 21 jours",
        1_200_000.0,
        "Rapport de l'expert-comptable sur la perte de recettes T2A",
    ),
    (
        "crisis_costs",
        "Cellule de crise, communication et renforts de personnel",
        85_000.0,
        "États des heures supplémentaires et factures de l'agence de communication",
    ),
    (
        "third_party",
        "Information des patients dont les données ont été exfiltrées",
        60_000.0,
        "Devis de l'imprimeur et de l'affranchissement",
    ),
)


def _principal(uow: UnitOfWork, email: str) -> Principal:
    user = uow.session.execute(select(UserRow).where(UserRow.email == email)).scalar_one()
    return build_principal(uow, user)


def _in_period(policy: PolicyRow, instant: datetime) -> bool:
    return policy.period_start <= instant.astimezone(PARIS).date() <= policy.period_end


def _command(uow: UnitOfWork, policy: PolicyRow, ids: dict[str, int], now: datetime) -> ClaimCreate | None:
    incidents = uow.session.execute(
        select(IncidentRow).where(IncidentRow.ght_id == policy.ght_id).order_by(IncidentRow.detected_at)
    ).scalars()
    incident = next((row for row in incidents if _in_period(policy, row.detected_at)), None)
    if incident is not None:
        return ClaimCreate(policy_id=policy.id, incident_id=incident.id, degraded_days=DEGRADED_DAYS)
    start = datetime.combine(policy.period_start, time(3, 10), tzinfo=PARIS)
    end = datetime.combine(policy.period_end, time(3, 10), tzinfo=PARIS)
    day = (now - timedelta(days=45)).astimezone(PARIS).date()
    learned = min(max(datetime.combine(day, time(3, 10), tzinfo=PARIS), start), end)
    if learned > now:
        return None
    complaint = learned + timedelta(hours=13)
    return ClaimCreate(
        policy_id=policy.id,
        establishment_id=ids.get("establishment:ch-estuaire"),
        title=TITLE,
        learned_at=learned,
        complaint_filed_at=complaint if complaint <= now else None,
        complaint_reference="Plainte déposée à la gendarmerie, récépissé n° 2025/1012/77"
        if complaint <= now
        else "",
        degraded_days=DEGRADED_DAYS,
    )


def load_demo(uow: UnitOfWork, ids: dict[str, int]) -> None:
    """A claim under review on GHT A's policy, with its items and its explanation."""
    policy = (
        uow.session.execute(
            select(PolicyRow)
            .where(
                PolicyRow.ght_id == ids["ght:a"],
                PolicyRow.status.in_(sorted(claim_service.CLAIMABLE_POLICY_STATUSES)),
            )
            .order_by(PolicyRow.id)
        )
        .scalars()
        .first()
    )
    if policy is None:
        return
    now = utcnow()
    command = _command(uow, policy, ids, now)
    if command is None:
        return
    rssi = _principal(uow, RSSI)
    claim = claim_service.declare(uow, rssi, command, now=now)
    covered = set(claim.sections)
    for section, description, amount, evidence in [item for item in ITEMS if item[0] in covered][:3]:
        item = ClaimItemCreate(section=section, description=description, amount_eur=amount, evidence=evidence)
        claim_documents.add_item(uow, rssi, claim.id, item)
    underwriter = _principal(uow, UNDERWRITER)
    if access.is_policy_insurer(underwriter, policy.ght_id, policy.insurer_organisation_id):
        note = "Dossier complet : instruction ouverte, expertise des pertes d'exploitation demandée."
        claim_decisions.decide(uow, underwriter, claim.id, "review", ClaimDecision(note=note), now=now)
