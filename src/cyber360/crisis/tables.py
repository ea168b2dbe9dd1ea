"""Persistence of the crisis area: plans, playbook copies, incidents and their logbook, exercises, lessons.

Every table carries the GHT (and the establishment when it has one) of the object it belongs to, so that a
query filters by the acting user's scope without joining back to the directory. The logbook table is
append-only: its migration (0003_crisis) installs triggers that refuse UPDATE, DELETE and, on PostgreSQL,
TRUNCATE, like those of the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cyber360.core.db import Base, UtcDateTime, utcnow


class CrisisPlanRow(Base):
    """The crisis plan of an establishment, or of the GHT as a whole (``establishment_id`` empty)."""

    __tablename__ = "crisis_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), unique=True)
    plan_blanc_reference: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    plan_blanc_link: Mapped[str] = mapped_column(Text, default="", nullable=False)
    fallback_room: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class CrisisCellMemberRow(Base):
    """A role of the crisis cell with its holder and deputy."""

    __tablename__ = "crisis_cell_members"
    __table_args__ = (UniqueConstraint("plan_id", "role", name="uq_crisis_cell_members_plan_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("crisis_plans.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    holder_name: Mapped[str] = mapped_column(String(200), nullable=False)
    holder_function: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    deputy_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    deputy_function: Mapped[str] = mapped_column(String(200), default="", nullable=False)


class CrisisContactRow(Base):
    """A contact reachable without the establishment's information system.

    ``category`` is ``internal`` for a member of staff (whose ``personal_phone`` is sensitive: shown to the
    crisis roles only, each view audited) or the kind of an external contact (ARS, CERT Santé...).
    """

    __tablename__ = "crisis_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("crisis_plans.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    function: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    personal_phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(320), default="", nullable=False)
    notes: Mapped[str] = mapped_column(String(1000), default="", nullable=False)


class CrisisApplicationRow(Base):
    """A critical application of a clinical service, its recovery objectives and its degraded mode."""

    __tablename__ = "crisis_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("crisis_plans.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"))
    clinical_service: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    rto_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    rpo_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    degraded_mode: Mapped[str] = mapped_column(Text, default="", nullable=False)


class CrisisPlaybookRow(Base):
    """A GHT's own copy of a scenario's playbook, stored as YAML validated by ``crisis.playbooks``."""

    __tablename__ = "crisis_playbooks"
    __table_args__ = (UniqueConstraint("ght_id", "scenario", name="uq_crisis_playbooks_ght_scenario"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    scenario: Mapped[str] = mapped_column(String(40), nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IncidentRow(Base):
    """A live (or past) incident of an establishment, opened from a playbook."""

    __tablename__ = "crisis_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    scenario: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    personal_data: Mapped[bool] = mapped_column(Boolean, nullable=False)
    personal_data_aware_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    high_risk_to_data_subjects: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    insured: Mapped[bool] = mapped_column(Boolean, nullable=False)
    playbook_origin: Mapped[str] = mapped_column(String(20), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    opened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    after_action_summary: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: Hash and length of the logbook after its last entry: truncating the logbook at rest is detected.
    logbook_head: Mapped[str] = mapped_column(String(64), nullable=False)
    logbook_length: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class IncidentTaskRow(Base):
    """A playbook task placed on the incident's timeline (the task board)."""

    __tablename__ = "crisis_incident_tasks"
    __table_args__ = (UniqueConstraint("incident_id", "task_key", name="uq_crisis_incident_tasks_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("crisis_incidents.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    task_key: Mapped[str] = mapped_column(String(64), nullable=False)
    phase: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    detail: Mapped[str] = mapped_column(Text, default="", nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    clock: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)


class ClockClosureRow(Base):
    """Evidence that a regulatory obligation of an incident was met."""

    __tablename__ = "crisis_clock_closures"
    __table_args__ = (UniqueConstraint("incident_id", "kind", name="uq_crisis_clock_closures_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("crisis_incidents.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    evidence: Mapped[str] = mapped_column(String(1000), nullable=False)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LogEntryRow(Base):
    """One line of an incident's main courante (see ``crisis.logbook``); never updated nor deleted."""

    __tablename__ = "crisis_log_entries"
    __table_args__ = (UniqueConstraint("incident_id", "sequence", name="uq_crisis_log_entries_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("crisis_incidents.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    corrects: Mapped[int | None] = mapped_column(Integer)
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class ExerciseRow(Base):
    """A crisis exercise played by an establishment from the shipped library."""

    __tablename__ = "crisis_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    library_id: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    after_action: Mapped[str] = mapped_column(Text, default="", nullable=False)


class ExerciseParticipantRow(Base):
    """A player of an exercise in a role of the crisis cell."""

    __tablename__ = "crisis_exercise_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("crisis_exercises.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)


class ExerciseReleaseRow(Base):
    """An inject the facilitator released by hand (scheduled releases follow from the start time)."""

    __tablename__ = "crisis_exercise_releases"
    __table_args__ = (UniqueConstraint("exercise_id", "inject_key", name="uq_crisis_exercise_releases_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("crisis_exercises.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    inject_key: Mapped[str] = mapped_column(String(64), nullable=False)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class ExerciseTickRow(Base):
    """An expected action the observers saw done."""

    __tablename__ = "crisis_exercise_ticks"
    __table_args__ = (UniqueConstraint("exercise_id", "action_key", name="uq_crisis_exercise_ticks_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("crisis_exercises.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False)
    action_key: Mapped[str] = mapped_column(String(64), nullable=False)
    ticked_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    ticked_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)


class LessonRow(Base):
    """A lesson of an incident or an exercise, turned into an action (picked up by the action plan)."""

    __tablename__ = "crisis_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_incidents.id"))
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_exercises.id"))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    owner: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
