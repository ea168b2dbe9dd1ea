"""Regulatory clocks of a cyber incident in a French health establishment.

From the facts of an incident this module computes every legal deadline the crisis cell must meet, with its
legal basis, its recipient and, given the current time and the evidence that it was met, its status.

Conventions (each one is a choice the crisis cell must be able to read back):

- Every instant is an aware datetime; a naive datetime is refused, because an hour of ambiguity on a 24 h
  clock is a legal risk. Instants are kept in UTC; Europe/Paris is used only for display and for
  calendar-month arithmetic.
- Delays in hours are elapsed time: 72 h after 2026-03-28T10:00+01:00 is 2026-03-31T11:00+02:00 (the change to
  summer time on 29 March does not give or take an hour).
- "One month" (NIS2 final report) is a calendar month on the Europe/Paris wall clock, clamped to the month's
  last day (31 January -> 28 or 29 February). A wall-clock time that does not exist (spring-forward gap) is
  read with the winter offset (02:30 -> 03:30 CEST); an ambiguous one (autumn fold) takes its first, earlier
  occurrence.
- Awareness ("connaissance") of the attack is the detection time unless a later awareness of the
  personal-data breach is given; NIS2 and the insurance complaint run from detection.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Final, Literal
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")

DEFAULT_HEALTH_REPORT_TARGET: Final = timedelta(hours=2)
"""ASSUMPTION: the law says "sans délai" (no fixed delay). The product sets a practical target of 2 h after
detection for the first declaration on the national portal (it can be completed later); a GHT may choose
another target."""

DUE_SOON_FRACTION: Final = 0.25
"""A clock is `due_soon` in the last quarter of its delay (18 h of a 72 h clock, 6 h of a 24 h one)."""


class DeadlineKind(StrEnum):
    HEALTH_REPORT = "health_report"
    NIS2_EARLY_WARNING = "nis2_early_warning"
    NIS2_NOTIFICATION = "nis2_notification"
    NIS2_FINAL_REPORT = "nis2_final_report"
    CNIL_NOTIFICATION = "cnil_notification"
    DATA_SUBJECTS_NOTIFICATION = "data_subjects_notification"
    INSURANCE_COMPLAINT = "insurance_complaint"


class DeadlineStatus(StrEnum):
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"


class ClockError(ValueError):
    """Bad input to a clock computation; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")


def ensure_aware_utc(value: object, field: str) -> datetime:
    """The instant `value` in UTC; refuses anything but an aware datetime."""
    if not isinstance(value, datetime):
        raise ClockError(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(
            field, "naive datetime refused: give an explicit UTC offset, e.g. 2026-03-28T10:00:00+01:00"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Bilingual:
    fr: str
    en: str

    def text(self, language: str = "fr") -> str:
        return self.en if language == "en" else self.fr


@dataclass(frozen=True, kw_only=True)
class IncidentFacts:
    """What the crisis cell knows that sets the clocks.

    `is_nis2_essential_entity` defaults to true: public health establishments are healthcare providers of
    NIS2 Annex I (sector "health"), essential entities when above the SME ceilings (ASSUMPTION for every GHT
    establishment; an important entity has the same art. 23 deadlines). The incident is assumed to be
    "significant" in the NIS2 sense. `malicious` is false for an accidental outage: the insurance complaint
    of L.12-10-1 concerns attacks only.
    """

    detected_at: datetime
    personal_data: bool
    insured: bool
    malicious: bool = True
    personal_data_aware_at: datetime | None = None
    high_risk_to_data_subjects: bool = False
    is_nis2_essential_entity: bool = True
    nis2_notification_sent_at: datetime | None = None

    def __post_init__(self) -> None:
        detected = ensure_aware_utc(self.detected_at, "detected_at")
        object.__setattr__(self, "detected_at", detected)
        for name in ("personal_data_aware_at", "nis2_notification_sent_at"):
            value = getattr(self, name)
            if value is not None:
                instant = ensure_aware_utc(value, name)
                if instant < detected:
                    raise ClockError(name, "must not be earlier than detected_at")
                object.__setattr__(self, name, instant)
        if self.personal_data_aware_at is not None and not self.personal_data:
            raise ClockError("personal_data_aware_at", "given while personal_data is false")
        if self.high_risk_to_data_subjects and not self.personal_data:
            raise ClockError("high_risk_to_data_subjects", "true while personal_data is false")
        if self.nis2_notification_sent_at is not None and not self.is_nis2_essential_entity:
            raise ClockError("nis2_notification_sent_at", "given for an entity outside NIS2")

    @property
    def breach_aware_at(self) -> datetime:
        return self.personal_data_aware_at or self.detected_at


@dataclass(frozen=True)
class Closure:
    """Evidence that an obligation was met: when, and what proves it (receipt, complaint reference)."""

    closed_at: datetime
    evidence: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "closed_at", ensure_aware_utc(self.closed_at, "closed_at"))
        if not isinstance(self.evidence, str) or not self.evidence.strip():
            raise ClockError(
                "evidence", "required: the receipt or reference that proves the obligation was met"
            )


@dataclass(frozen=True)
class Deadline:
    """One legal obligation with its clock.

    `due_at` is the legal due instant (None: no fixed delay). `target_at` is the instant the status is
    measured against: equal to `due_at`, except for the health report, legally due at once, which carries a
    practical target.
    """

    kind: DeadlineKind
    starts_at: datetime
    due_at: datetime | None
    target_at: datetime | None
    legal_basis: Bilingual
    recipient: Bilingual
    note: Bilingual | None = None

    def status(self, now: datetime, closure: Closure | None = None) -> DeadlineStatus:
        current = ensure_aware_utc(now, "now")
        if closure is not None:
            if self.target_at is None or closure.closed_at <= self.target_at:
                return DeadlineStatus.MET
            return DeadlineStatus.MET_LATE
        if self.target_at is None:
            return DeadlineStatus.OPEN
        if current > self.target_at:
            return DeadlineStatus.OVERDUE
        if self.due_at == self.starts_at:  # due at once: pressing from the first minute
            return DeadlineStatus.DUE_SOON
        if self.target_at - current <= (self.target_at - self.starts_at) * DUE_SOON_FRACTION:
            return DeadlineStatus.DUE_SOON
        return DeadlineStatus.OPEN

    def remaining(self, now: datetime, closure: Closure | None = None) -> timedelta | None:
        """Time left until the target (negative once overdue); None when met or without a fixed delay."""
        current = ensure_aware_utc(now, "now")
        if closure is not None or self.target_at is None:
            return None
        return self.target_at - current


@dataclass(frozen=True)
class ClockState:
    deadline: Deadline
    status: DeadlineStatus
    remaining: timedelta | None
    closure: Closure | None

    @property
    def kind(self) -> DeadlineKind:
        return self.deadline.kind


_HEALTH_BASIS = Bilingual(
    fr="Code de la santé publique, art. L.1111-8-2 et D.1111-16-2 s. (décret n° 2016-1214 du 12 septembre "
    "2016) : signalement sans délai à l'ARS des incidents graves de sécurité des systèmes d'information.",
    en="French Public Health Code art. L.1111-8-2 and D.1111-16-2 ff. (decree 2016-1214 of 12 September "
    "2016): serious information-system security incidents are reported to the regional health agency "
    "without delay.",
)
_HEALTH_RECIPIENT = Bilingual(
    fr="ARS, via le portail de signalement des événements sanitaires indésirables ; traité avec le "
    "CERT Santé (ANS)",
    en="Regional health agency (ARS), through the national adverse-event reporting portal; handled with "
    "CERT Santé",
)
_CNIL_BASIS = Bilingual(
    fr="RGPD, art. 33 : notification de la violation de données personnelles à la CNIL au plus tard 72 "
    "heures après en avoir pris connaissance, si possible ; au-delà, motifs du retard ; complétable par "
    "étapes.",
    en="GDPR art. 33: personal-data breach notified to the supervisory authority where feasible within 72 "
    "hours of awareness; later notifications state the reasons for the delay; may be completed in phases.",
)
_SUBJECTS_BASIS = Bilingual(
    fr="RGPD, art. 34 : communication aux personnes concernées dans les meilleurs délais si la violation "
    "est susceptible d'engendrer un risque élevé pour leurs droits et libertés (pas de délai chiffré).",
    en="GDPR art. 34: data subjects informed without undue delay when the breach is likely to result in a "
    "high risk to their rights and freedoms (no fixed delay).",
)
_NIS2_RECIPIENT = Bilingual(
    fr="CSIRT national ou autorité compétente désignés par la transposition française "
    "(ANSSI / CERT-FR attendu)",
    en="National CSIRT or competent authority designated by the French transposition "
    "(ANSSI / CERT-FR expected)",
)
_NIS2_NOTE = Bilingual(
    fr="Hypothèse : établissement entité essentielle (secteur santé, annexe I) et incident « important » "
    "au sens de NIS2 ; destinataire et modalités à confirmer selon la loi française de transposition.",
    en="Assumption: the establishment is an essential entity (health sector, Annex I) and the incident is "
    "'significant' under NIS2; recipient and channel to confirm against the French transposition law.",
)


def _nis2_basis(point: str, fr: str, en: str) -> Bilingual:
    return Bilingual(
        fr=f"Directive (UE) 2022/2555 (NIS2), art. 23, paragraphe 4, point {point}) : {fr}",
        en=f"Directive (EU) 2022/2555 (NIS2), art. 23(4)({point}): {en}",
    )


def add_calendar_months(instant: datetime, months: int, zone: tzinfo = PARIS) -> datetime:
    """`instant` moved by calendar months on the wall clock of `zone` (clamped to month end), in UTC."""
    local = ensure_aware_utc(instant, "instant").astimezone(zone)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    wall = local.replace(tzinfo=None, year=year, month=month, day=day)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def compute_deadlines(
    facts: IncidentFacts, *, health_report_target: timedelta = DEFAULT_HEALTH_REPORT_TARGET
) -> list[Deadline]:
    """Every deadline that applies to the incident, in `DeadlineKind` order."""
    if health_report_target < timedelta(0):
        raise ClockError("health_report_target", "must not be negative")
    detected = facts.detected_at
    hours = 3600.0
    deadlines = [
        Deadline(
            kind=DeadlineKind.HEALTH_REPORT,
            starts_at=detected,
            due_at=detected,
            target_at=detected + health_report_target,
            legal_basis=_HEALTH_BASIS,
            recipient=_HEALTH_RECIPIENT,
            note=Bilingual(
                fr="Dû sans délai dès la détection ; cible pratique de "
                f"{health_report_target.total_seconds() / hours:g} h retenue par hypothèse.",
                en="Due at once on detection; a practical target of "
                f"{health_report_target.total_seconds() / hours:g} h is an assumption.",
            ),
        )
    ]
    if facts.is_nis2_essential_entity:
        notification_due = detected + timedelta(hours=72)
        final_start = facts.nis2_notification_sent_at or notification_due
        final_due = add_calendar_months(final_start, 1)
        deadlines += [
            Deadline(
                kind=DeadlineKind.NIS2_EARLY_WARNING,
                starts_at=detected,
                due_at=detected + timedelta(hours=24),
                target_at=detected + timedelta(hours=24),
                legal_basis=_nis2_basis(
                    "a",
                    "alerte précoce sans retard injustifié et dans les 24 heures après avoir eu connaissance "
                    "de l'incident important.",
                    "early warning without undue delay and within 24 hours of becoming aware of the "
                    "significant incident.",
                ),
                recipient=_NIS2_RECIPIENT,
                note=_NIS2_NOTE,
            ),
            Deadline(
                kind=DeadlineKind.NIS2_NOTIFICATION,
                starts_at=detected,
                due_at=notification_due,
                target_at=notification_due,
                legal_basis=_nis2_basis(
                    "b",
                    "notification d'incident dans les 72 heures après en avoir eu connaissance.",
                    "incident notification within 72 hours of becoming aware of the significant incident.",
                ),
                recipient=_NIS2_RECIPIENT,
                note=_NIS2_NOTE,
            ),
            Deadline(
                kind=DeadlineKind.NIS2_FINAL_REPORT,
                starts_at=final_start,
                due_at=final_due,
                target_at=final_due,
                legal_basis=_nis2_basis(
                    "d",
                    "rapport final au plus tard un mois après la présentation de la notification d'incident.",
                    "final report not later than one month after the submission of the incident "
                    "notification.",
                ),
                recipient=_NIS2_RECIPIENT,
                note=Bilingual(
                    fr="Un mois civil (heure de Paris) après l'envoi réel de la notification, ou à défaut "
                    "après son échéance de 72 h. Si l'incident est encore en cours : rapport "
                    "d'avancement, puis rapport final dans le mois qui suit son traitement "
                    "(art. 23(4)(e)).",
                    en="One calendar month (Paris time) after the notification was actually sent, else "
                    "after its 72 h due time. If the incident is still ongoing: a progress report, then "
                    "the final report within a month of its handling (art. 23(4)(e)).",
                ),
            ),
        ]
    if facts.personal_data:
        aware = facts.breach_aware_at
        deadlines.append(
            Deadline(
                kind=DeadlineKind.CNIL_NOTIFICATION,
                starts_at=aware,
                due_at=aware + timedelta(hours=72),
                target_at=aware + timedelta(hours=72),
                legal_basis=_CNIL_BASIS,
                recipient=Bilingual(
                    fr="CNIL (téléservice de notification des violations), par le DPO",
                    en="CNIL (online breach notification service), by the data protection officer",
                ),
            )
        )
        if facts.high_risk_to_data_subjects:
            deadlines.append(
                Deadline(
                    kind=DeadlineKind.DATA_SUBJECTS_NOTIFICATION,
                    starts_at=aware,
                    due_at=None,
                    target_at=None,
                    legal_basis=_SUBJECTS_BASIS,
                    recipient=Bilingual(fr="Personnes concernées (patients, agents)", en="Data subjects"),
                )
            )
    if facts.insured and facts.malicious:
        deadlines.append(
            Deadline(
                kind=DeadlineKind.INSURANCE_COMPLAINT,
                starts_at=detected,
                due_at=detected + timedelta(hours=72),
                target_at=detected + timedelta(hours=72),
                legal_basis=Bilingual(
                    fr="Code des assurances, art. L.12-10-1 (en vigueur le 24 avril 2023) : l'indemnisation "
                    "d'une atteinte à un système de traitement automatisé de données est subordonnée à une "
                    "plainte déposée au plus tard 72 heures après la connaissance de l'atteinte.",
                    en="French Insurance Code art. L.12-10-1 (in force 24 April 2023): an indemnity for "
                    "an attack on an information system requires a complaint filed within 72 hours of the "
                    "victim learning of the attack.",
                ),
                recipient=Bilingual(
                    fr="Police, gendarmerie ou procureur de la République ; récépissé transmis à l'assureur",
                    en="Police, gendarmerie or public prosecutor; receipt forwarded to the insurer",
                ),
                note=Bilingual(
                    fr="Hypothèse : la connaissance de l'atteinte est l'instant de détection.",
                    en="Assumption: the attack became known at detection time.",
                ),
            )
        )
    return deadlines


def evaluate_clocks(
    facts: IncidentFacts,
    now: datetime,
    closures: Mapping[str, Closure] | None = None,
    *,
    health_report_target: timedelta = DEFAULT_HEALTH_REPORT_TARGET,
) -> list[ClockState]:
    """The board of clocks at `now`: each deadline with its status, remaining time and closure.

    `closures` maps a deadline kind to the evidence that it was met. When the NIS2 notification is closed and
    `facts` does not yet carry its sending time, the closure time is taken as that time for the final report.
    """
    closures = dict(closures or {})
    known = {kind.value for kind in DeadlineKind}
    for key in closures:
        if key not in known:
            raise ClockError(f"closures.{key}", "unknown deadline kind")
    notification = closures.get(DeadlineKind.NIS2_NOTIFICATION)
    if (
        notification is not None
        and facts.nis2_notification_sent_at is None
        and facts.is_nis2_essential_entity
    ):
        facts = replace(facts, nis2_notification_sent_at=notification.closed_at)
    deadlines = compute_deadlines(facts, health_report_target=health_report_target)
    applicable = {deadline.kind.value for deadline in deadlines}
    for key in closures:
        if key not in applicable:
            raise ClockError(f"closures.{key}", "this obligation does not apply to the incident")
    states = []
    for deadline in deadlines:
        closure = closures.get(deadline.kind)
        if closure is not None and closure.closed_at < facts.detected_at:
            raise ClockError(f"closures.{deadline.kind}.closed_at", "earlier than detected_at")
        states.append(
            ClockState(deadline, deadline.status(now, closure), deadline.remaining(now, closure), closure)
        )
    return states


def to_paris(instant: datetime) -> datetime:
    """The instant on the Europe/Paris wall clock (CET in winter, CEST in summer)."""
    return ensure_aware_utc(instant, "instant").astimezone(PARIS)


def format_paris(instant: datetime, language: Literal["fr", "en"] = "fr") -> str:
    """E.g. '31/03/2026 11:00 (UTC+02:00)' in French, '2026-03-31 11:00 Paris (UTC+02:00)' in English."""
    local = to_paris(instant)
    offset = local.strftime("%z")
    offset_text = f"UTC{offset[:3]}:{offset[3:]}"
    if language == "en":
        return f"{local:%Y-%m-%d %H:%M} Paris ({offset_text})"
    return f"{local:%d/%m/%Y %H:%M} ({offset_text})"


def format_remaining(remaining: timedelta, language: Literal["fr", "en"] = "fr") -> str:
    """A countdown such as '2 j 03 h 05 min', or 'en retard de 1 h 10 min' once overdue."""
    total_minutes = int(abs(remaining).total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    day_unit = "d" if language == "en" else "j"
    text = f"{days} {day_unit} {hours:02d} h {minutes:02d} min" if days else f"{hours} h {minutes:02d} min"
    if remaining >= timedelta(0):
        return text
    return f"{text} overdue" if language == "en" else f"en retard de {text}"
