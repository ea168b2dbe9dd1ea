"""Persistence of the cover (insure) area: policies, quotes, claims with their loss items and evidence.

A policy belongs to one GHT and one insurer. Its terms are stored as the JSON of the policy grammar of
:mod:`cyber360.quant.policy` (the same file format as ``cyber360 price --policy``), so that pricing and claims
apply exactly what the underwriter wrote. A quote is immutable: the inputs it was priced from (their SHA-256),
the seed and number of simulated years, the gross and net figures, the premium breakdown now and after the
top actions of the GHT's plan. A claim moves through declared, under review, accepted, paid or refused;
its proposed indemnity is the line-by-line explanation computed from the policy's terms.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cyber360.core.db import Base, UtcDateTime, utcnow


class PolicyRow(Base):
    """A cyber policy of a GHT with an insurer: product, period, status and terms (policy grammar JSON)."""

    __tablename__ = "cover_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    insurer_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    product: Mapped[str] = mapped_column(String(60), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="draft", nullable=False)
    terms: Mapped[str] = mapped_column(Text, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class QuoteRow(Base):
    """The technical premium of a policy on a GHT's quantified risk, now and after its plan's top actions."""

    __tablename__ = "cover_quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("cover_policies.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    inputs: Mapped[str] = mapped_column(Text, nullable=False)
    inputs_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    terms_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    years: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    top_actions: Mapped[int] = mapped_column(Integer, nullable=False)
    gross: Mapped[str] = mapped_column(Text, nullable=False)
    net: Mapped[str] = mapped_column(Text, nullable=False)
    premium: Mapped[str] = mapped_column(Text, nullable=False)
    premium_after: Mapped[str] = mapped_column(Text, nullable=False)
    technical_premium_eur: Mapped[float] = mapped_column(Float, nullable=False)
    technical_premium_after_eur: Mapped[float] = mapped_column(Float, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(320), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class ClaimRow(Base):
    """A claim on a policy: declared alone or from a crisis incident; its state and proposed indemnity."""

    __tablename__ = "cover_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("cover_policies.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("crisis_incidents.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    state: Mapped[str] = mapped_column(String(20), default="declared", nullable=False)
    #: When the insured learned of the attack: the start of the 72-hour complaint window (L.12-10-1).
    learned_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)
    complaint_filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    complaint_reference: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    degraded_days: Mapped[float | None] = mapped_column(Float)
    systemic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    indemnity: Mapped[str] = mapped_column(Text, default="", nullable=False)
    proposed_indemnity_eur: Mapped[float | None] = mapped_column(Float)
    paid_eur: Mapped[float | None] = mapped_column(Float)
    decision_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    declared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ClaimItemRow(Base):
    """One loss item of a claim, in one policy section, with what proves it."""

    __tablename__ = "cover_claim_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("cover_claims.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    section: Mapped[str] = mapped_column(String(30), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    amount_eur: Mapped[float] = mapped_column(Float, nullable=False)
    evidence: Mapped[str] = mapped_column(String(1000), default="", nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class ClaimEvidenceRow(Base):
    """An evidence file of a claim (invoice, expert report, complaint receipt), stored outside the database
    under a random name, as the assessment's evidence files are."""

    __tablename__ = "cover_claim_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("cover_claims.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("cover_claim_items.id"))
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class PortfolioRunRow(Base):
    """A portfolio accumulation run of an insurer over the GHTs whose policies it underwrites: which GHTs
    and policies it covered (their ids and the terms' SHA-256), the seed, the years and the figures."""

    __tablename__ = "cover_portfolio_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    insurer_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )
    ght_ids: Mapped[str] = mapped_column(Text, nullable=False)
    inputs_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    years: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="done", nullable=False)
    summary: Mapped[str] = mapped_column(Text, default="", nullable=False)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    seconds: Mapped[float | None] = mapped_column(Float)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
