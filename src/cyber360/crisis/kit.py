"""The offline crisis kit of an establishment and the situation report of an incident, as documents.

During an attack the hospital's own network is down: the kit is printed (PDF, WeasyPrint) or kept as one
self-contained HTML file that opens from a USB key without any server. Both are rendered from the same
template with the style sheet inlined and nothing fetched from anywhere (the PDF renderer's URL fetcher
refuses every URL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NoReturn

from jinja2 import Environment

from cyber360.core.db import utcnow
from cyber360.core.errors import NotFound
from cyber360.core.i18n import N_, translator
from cyber360.core.scope import Principal, Role
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import clocks, incident_service, labels, logbook_service, plan_service, task_service
from cyber360.crisis.playbook_service import effective_playbook
from cyber360.crisis.playbooks import PlaybookTask, format_duration
from cyber360.crisis.schemas import ContactPublic, PlanPublic
from cyber360.org import service as org_service
from cyber360.org.tables import EstablishmentRow, GhtRow

KIT_CSS = Path(__file__).resolve().parent / "templates" / "crisis" / "kit.css"
FIRST_HOUR = timedelta(hours=1)

#: How each obligation's delay reads in the deadlines table (the legal texts come from ``crisis.clocks``).
DELAY_TEXT = {
    "health_report": N_("Sans délai (cible pratique : 2 h)"),
    "nis2_early_warning": N_("24 h après la détection"),
    "nis2_notification": N_("72 h après la détection"),
    "nis2_final_report": N_("1 mois après la notification"),
    "cnil_notification": N_("72 h après la connaissance de la violation (si données personnelles)"),
    "data_subjects_notification": N_("Dans les meilleurs délais (si risque élevé pour les personnes)"),
    "insurance_complaint": N_("72 h après la connaissance de l'attaque (si assuré)"),
}


@dataclass(frozen=True)
class DeadlineLine:
    kind: str
    delay: str
    legal_basis: str
    recipient: str


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the crisis kit fetches nothing: {url[:80]}")


def render_pdf(html: str) -> bytes:
    """A PDF from a self-contained HTML document (WeasyPrint, no network, no file access)."""
    from weasyprint import HTML  # imported on use: it takes a second to load

    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def deadline_lines(language: str) -> list[DeadlineLine]:
    """Every obligation an incident may carry, with its delay and legal basis, for the printed table."""
    lang: Literal["fr", "en"] = "en" if language == "en" else "fr"
    facts = clocks.IncidentFacts(
        detected_at=datetime(2026, 1, 1, tzinfo=UTC),
        personal_data=True,
        insured=True,
        high_risk_to_data_subjects=True,
    )
    _ = translator(language)
    return [
        DeadlineLine(
            kind=deadline.kind.value,
            delay=_(DELAY_TEXT[deadline.kind.value]),
            legal_basis=deadline.legal_basis.text(lang),
            recipient=deadline.recipient.text(lang),
        )
        for deadline in clocks.compute_deadlines(facts)
    ]


def _establishment(uow: UnitOfWork, principal: Principal, establishment_id: int) -> EstablishmentRow:
    if principal.role is Role.COOPERATIVE_BUYER:
        raise NotFound("establishment", establishment_id)
    return org_service.establishment_row(uow, principal, establishment_id)


def kit_context(
    uow: UnitOfWork,
    principal: Principal,
    establishment_id: int,
    *,
    language: str = "fr",
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the kit shows; personal phones only for the crisis roles (the view is audited)."""
    establishment = _establishment(uow, principal, establishment_id)
    ght = uow.session.get(GhtRow, establishment.ght_id)
    assert ght is not None
    plan_row = plan_service.plan_of_establishment(uow, principal, establishment.id)
    plan: PlanPublic | None = None
    contacts: list[ContactPublic] = []
    revealed = False
    if plan_row is not None:
        plan = plan_service.get_plan(uow, principal, plan_row.id)
        contacts, revealed = plan_service.reveal_contacts(uow, principal, plan_row, "crisis_kit")
    playbook, origin = effective_playbook(uow, ght.id, "ransomware")
    first_hour: list[tuple[str, PlaybookTask, str]] = [
        (phase, task, format_duration(task.deadline))
        for phase, task in playbook.tasks()
        if task.deadline <= FIRST_HOUR
    ]
    first_hour.sort(key=lambda item: item[1].deadline)
    return {
        "establishment": establishment,
        "ght": ght,
        "plan": plan,
        "internal_contacts": [c for c in contacts if c.category == "internal"],
        "external_contacts": [c for c in contacts if c.category != "internal"],
        "phones_revealed": revealed,
        "playbook_title": playbook.title,
        "playbook_origin": origin,
        "first_hour": first_hour,
        "deadline_lines": deadline_lines(language),
        "generated_at": clocks.format_paris(now or utcnow(), "en" if language == "en" else "fr"),
    }


def sitrep_context(
    uow: UnitOfWork,
    principal: Principal,
    incident_id: int,
    *,
    language: str = "fr",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The situation report of an incident at ``now``: facts, clocks, task progress, decisions, latest log."""
    now = now or utcnow()
    incident = incident_service.get_incident(uow, principal, incident_id, now=now, language=language)
    tasks = task_service.list_tasks(uow, principal, incident_id, now=now)
    entries = logbook_service.list_entries(uow, principal, incident_id)
    return {
        "incident": incident,
        "tasks_overdue": [task for task in tasks if task.overdue],
        "tasks_next": [task for task in tasks if task.done_at is None and not task.overdue][:8],
        "decisions": [entry for entry in entries if entry.kind == "decision"],
        "latest_entries": list(reversed(entries[-12:])),
        "generated_at": clocks.format_paris(now, "en" if language == "en" else "fr"),
    }


def render_document(environment: Environment, template: str, context: dict[str, Any], language: str) -> str:
    """A standalone HTML document (style inlined) for export or for the PDF renderer."""
    full = {
        "_": translator(language),
        "locale": language,
        "kit_css": KIT_CSS.read_text(encoding="utf-8"),
        "labels": labels,
        "format_paris": lambda instant: clocks.format_paris(instant, "en" if language == "en" else "fr"),
        **context,
    }
    return environment.get_template(template).render(full)
