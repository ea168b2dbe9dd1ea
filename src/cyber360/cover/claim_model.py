"""Commands (what a client may send) and public views (what it gets back) of claims.

Commands refuse unknown fields and bound every length and amount; instants carry their UTC offset (the
72-hour complaint window is counted in elapsed hours). A loss item names the insured component it falls
in (its section); the service checks that the policy covers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
#: The largest amount a loss item or a payment may state (10 bn EUR: ten times the largest CHU's revenue).
MAX_AMOUNT_EUR = 10_000_000_000.0
Amount = Annotated[float, Field(gt=0, le=MAX_AMOUNT_EUR, allow_inf_nan=False)]
DegradedDays = Annotated[float, Field(ge=0, le=3650, allow_inf_nan=False)]
Component = Literal["asset_damage", "business_interruption", "third_party", "crisis_costs"]
TransitionName = Literal["review", "accept", "pay", "refuse"]
Note = Annotated[str, Field(max_length=4000)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClaimCreate(Command):
    """A claim declared alone, or from a crisis incident (``incident_id``): then the establishment, the
    title, when the attack was learned of and when the complaint was filed default to the incident's."""

    policy_id: Id
    establishment_id: Id | None = None
    incident_id: Id | None = None
    title: Annotated[str, Field(max_length=300)] = ""
    learned_at: AwareDatetime | None = None
    complaint_filed_at: AwareDatetime | None = None
    complaint_reference: Annotated[str, Field(max_length=200)] = ""
    degraded_days: DegradedDays | None = None
    systemic: bool = False


class ClaimUpdate(Command):
    """The facts a declarant completes while the claim is declared or under review (fields sent change;
    ``null`` clears an optional one)."""

    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    complaint_filed_at: AwareDatetime | None = None
    complaint_reference: Annotated[str, Field(max_length=200)] | None = None
    degraded_days: DegradedDays | None = None
    systemic: bool | None = None


class ClaimItemCreate(Command):
    section: Component
    description: Annotated[str, Field(min_length=1, max_length=300)]
    amount_eur: Amount
    evidence: Annotated[str, Field(max_length=1000)] = ""


class ClaimDecision(Command):
    """An underwriter's decision; a refusal states its reason, a payment may state the amount paid (the
    proposed indemnity by default, never more)."""

    note: Note = ""
    paid_eur: Annotated[float, Field(ge=0, le=MAX_AMOUNT_EUR, allow_inf_nan=False)] | None = None


# Views ------------------------------------------------------------------------------------------------------


class ClaimItemPublic(BaseModel):
    id: int
    section: str
    description: str
    amount_eur: float
    evidence: str
    created_at: datetime


class ClaimEvidencePublic(BaseModel):
    id: int
    claim_id: int
    item_id: int | None
    original_name: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class ExplanationLinePublic(BaseModel):
    """One step of the indemnity: the amount before, the term applied, the amount after; ``text`` says it
    in the reader's language ("Pertes d'exploitation 1 200 000 € ; franchise de 12 h ... : 1 180 000 €")."""

    term: str
    section: str | None
    section_label: str
    before_eur: float | None
    after_eur: float
    term_text: str
    text: str


class ExplanationPublic(BaseModel):
    policy_year_start: str
    policy_year_end: str
    declared_eur: float
    indemnity_eur: float
    lines: list[ExplanationLinePublic]


class ClaimSummary(BaseModel):
    id: int
    reference: str
    policy_id: int
    policy_reference: str
    ght_id: int
    establishment_id: int | None
    establishment_name: str
    incident_id: int | None
    title: str
    state: str
    learned_at: datetime
    declared_at: datetime
    declared_eur: float
    proposed_indemnity_eur: float | None
    paid_eur: float | None


class ClaimPublic(ClaimSummary):
    complaint_filed_at: datetime | None
    complaint_reference: str
    degraded_days: float | None
    systemic: bool
    decision_note: str
    decided_at: datetime | None
    paid_at: datetime | None
    items: list[ClaimItemPublic]
    evidence: list[ClaimEvidencePublic]
    explanation: ExplanationPublic | None
    #: The components a loss item may name (those the policy covers).
    sections: list[str]
    #: What the reader may do now: document (items, evidence, facts) and which decisions.
    can_document: bool
    transitions: list[str]


class PolicyChoice(BaseModel):
    """A policy a declarant may declare a claim on (no terms, no premium)."""

    id: int
    reference: str
    product: str
    ght_id: int
    period_start: str
    period_end: str
