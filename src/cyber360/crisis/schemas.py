"""Commands (what a client may send) and public views (what it gets back) of the crisis area.

Commands refuse unknown fields and bound every length; instants must carry their UTC offset (an hour of
ambiguity on a 24 h legal clock is a legal risk).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cyber360.crisis.exercises import Channel
from cyber360.crisis.playbooks import MAX_DOCUMENT_BYTES, Phase, Role, Scenario

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
OptionalName = Annotated[str, Field(max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+() .\-]*$")]
ClinicalService = Literal[
    "emergency", "operating_theatres", "laboratory", "pharmacy", "imaging", "admissions"
]
ContactCategory = Literal[
    "internal", "ars", "cert_sante", "cert_fr", "cnil", "police", "insurer_hotline", "consultant_csirt"
]
IncidentStatus = Literal["open", "contained", "recovering", "closed"]
EntryKindInput = Literal["fact", "decision", "action", "communication", "correction"]
Hours = Annotated[int, Field(ge=0, le=24 * 90)]

CLINICAL_SERVICES: tuple[str, ...] = (
    "emergency",
    "operating_theatres",
    "laboratory",
    "pharmacy",
    "imaging",
    "admissions",
)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Plans ---------------------------------------------------------------------------------------------------


class PlanCreate(Command):
    """A plan for an establishment, or for the GHT as a whole (``establishment_id`` empty, ``ght_id`` set)."""

    establishment_id: Id | None = None
    ght_id: Id | None = None
    plan_blanc_reference: Annotated[str, Field(max_length=300)] = ""
    plan_blanc_link: Annotated[str, Field(max_length=4000)] = ""
    fallback_room: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _one_scope(self) -> PlanCreate:
        if (self.establishment_id is None) == (self.ght_id is None):
            raise ValueError("give either establishment_id or ght_id")
        return self


class PlanUpdate(Command):
    plan_blanc_reference: Annotated[str, Field(max_length=300)] | None = None
    plan_blanc_link: Annotated[str, Field(max_length=4000)] | None = None
    fallback_room: Annotated[str, Field(max_length=300)] | None = None


class CellMemberSet(Command):
    """The holder and deputy of a role of the crisis cell (replaces the role's previous holders)."""

    role: Role
    holder_name: Name
    holder_function: OptionalName = ""
    deputy_name: OptionalName = ""
    deputy_function: OptionalName = ""


class ContactCreate(Command):
    category: ContactCategory
    name: Name
    function: OptionalName = ""
    phone: Phone = ""
    personal_phone: Phone = ""
    email: Annotated[str, Field(max_length=320)] = ""
    notes: Annotated[str, Field(max_length=1000)] = ""

    @model_validator(mode="after")
    def _personal_phone_internal_only(self) -> ContactCreate:
        if self.personal_phone and self.category != "internal":
            raise ValueError("personal_phone is for internal contacts only")
        return self


class ApplicationCreate(Command):
    clinical_service: ClinicalService
    name: Name
    rto_hours: Hours
    rpo_hours: Hours
    degraded_mode: Annotated[str, Field(max_length=4000)] = ""


class CellMemberPublic(BaseModel):
    id: int
    role: str
    holder_name: str
    holder_function: str
    deputy_name: str
    deputy_function: str


class ContactPublic(BaseModel):
    """A contact; ``personal_phone`` is null unless the reader holds a crisis role (the view is audited)."""

    id: int
    category: str
    name: str
    function: str
    phone: str
    email: str
    notes: str
    has_personal_phone: bool
    personal_phone: str | None = None


class ApplicationPublic(BaseModel):
    id: int
    clinical_service: str
    name: str
    rto_hours: int
    rpo_hours: int
    degraded_mode: str


class PlanSummary(BaseModel):
    id: int
    ght_id: int
    establishment_id: int | None
    scope_name: str
    updated_at: datetime


class PlanPublic(PlanSummary):
    plan_blanc_reference: str
    plan_blanc_link: str
    fallback_room: str
    cell: list[CellMemberPublic]
    applications: list[ApplicationPublic]
    contacts: list[ContactPublic]


# Playbooks -----------------------------------------------------------------------------------------------


class PlaybookSave(Command):
    document: Annotated[str, Field(min_length=1, max_length=MAX_DOCUMENT_BYTES)]


class PlaybookPublic(BaseModel):
    ght_id: int | None
    scenario: str
    origin: Literal["shipped", "ght"]
    title: str
    document: str
    updated_at: datetime | None = None


# Incidents -------------------------------------------------------------------------------------------------


class IncidentOpen(Command):
    establishment_id: Id
    scenario: Scenario
    detected_at: AwareDatetime
    personal_data: bool
    insured: bool | None = None
    title: Annotated[str, Field(max_length=300)] = ""
    personal_data_aware_at: AwareDatetime | None = None
    high_risk_to_data_subjects: bool = False


class IncidentStatusChange(Command):
    status: Literal["open", "contained", "recovering"]


class ClockClose(Command):
    evidence: Annotated[str, Field(min_length=1, max_length=1000)]
    closed_at: AwareDatetime | None = None


class TaskTick(Command):
    done: bool


class LogEntryCreate(Command):
    kind: EntryKindInput
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    corrects: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class LessonCreate(Command):
    title: Title
    owner: OptionalName = ""
    due_on: date | None = None


class IncidentClose(Command):
    summary: Annotated[str, Field(min_length=1, max_length=20_000)]
    lessons: Annotated[list[LessonCreate], Field(max_length=50)] = []


class DeadlinePublic(BaseModel):
    kind: str
    starts_at: datetime
    due_at: datetime | None
    target_at: datetime | None
    status: str
    remaining_seconds: int | None
    closed_at: datetime | None = None
    evidence: str | None = None
    legal_basis: str
    recipient: str
    note: str | None = None


class TaskPublic(BaseModel):
    id: int
    key: str
    phase: Phase
    title: str
    detail: str
    role: str
    clock: str | None
    due_at: datetime
    done_at: datetime | None
    done_by: str
    overdue: bool


class LessonPublic(BaseModel):
    id: int
    ght_id: int
    establishment_id: int
    incident_id: int | None
    exercise_id: int | None
    title: str
    owner: str
    due_on: date | None
    status: str


class IncidentSummary(BaseModel):
    id: int
    ght_id: int
    establishment_id: int
    establishment_name: str
    scenario: str
    title: str
    status: IncidentStatus
    detected_at: datetime
    closed_at: datetime | None


class IncidentPublic(IncidentSummary):
    personal_data: bool
    personal_data_aware_at: datetime | None
    high_risk_to_data_subjects: bool
    insured: bool
    playbook_origin: str
    opened_at: datetime
    after_action_summary: str
    deadlines: list[DeadlinePublic]
    tasks_done: int
    tasks_total: int
    logbook_length: int
    lessons: list[LessonPublic]


class LogEntryPublic(BaseModel):
    incident_id: int
    sequence: int
    recorded_at: datetime
    author: str
    kind: str
    text: str
    corrects: int | None
    corrected_by: list[int]
    previous_hash: str
    entry_hash: str


class ChainPublic(BaseModel):
    valid: bool
    entries_checked: int
    head_hash: str
    broken_at_sequence: int | None
    reason: str | None


# Exercises ----------------------------------------------------------------------------------------


class ParticipantCreate(Command):
    name: Name
    role: Role


class ExerciseCreate(Command):
    establishment_id: Id
    library_id: Annotated[str, Field(min_length=1, max_length=64)]
    title: Annotated[str, Field(max_length=300)] = ""
    participants: Annotated[list[ParticipantCreate], Field(max_length=60)] = []


class ExerciseTick(Command):
    done: bool


class ExerciseEnd(Command):
    after_action: Annotated[str, Field(min_length=1, max_length=20_000)]
    lessons: Annotated[list[LessonCreate], Field(max_length=50)] = []


class ParticipantPublic(BaseModel):
    id: int
    name: str
    role: str


class ExpectedActionPublic(BaseModel):
    id: str
    role: str
    description: str
    points: int
    ticked: bool


class InjectPublic(BaseModel):
    """An inject as the facilitator sees it (notes and expected actions included)."""

    id: str
    offset_minutes: int
    scheduled_at: datetime | None
    released_at: datetime | None
    released_by_hand: bool
    title: str
    channel: Channel
    target_roles: list[str]
    content: str
    facilitator_notes: str | None
    expected_actions: list[ExpectedActionPublic]


class ScorePublic(BaseModel):
    earned: int
    possible: int
    ratio: float
    by_role: dict[str, tuple[int, int]]


class ExerciseSummary(BaseModel):
    id: int
    ght_id: int
    establishment_id: int
    establishment_name: str
    library_id: str
    scenario: str
    title: str
    status: Literal["planned", "running", "ended"]
    started_at: datetime | None
    ended_at: datetime | None


class ExercisePublic(ExerciseSummary):
    duration_minutes: int
    objectives: list[str]
    participants: list[ParticipantPublic]
    injects: list[InjectPublic]
    score: ScorePublic
    after_action: str
    lessons: list[LessonPublic]


class FeedInject(BaseModel):
    """An inject as the players see it, once released: no notes, no expected actions."""

    id: str
    title: str
    channel: Channel
    target_roles: list[str]
    content: str
    released_at: datetime


class ExerciseFeed(BaseModel):
    id: int
    title: str
    status: str
    started_at: datetime | None
    injects: list[FeedInject]
    next_release_at: datetime | None
