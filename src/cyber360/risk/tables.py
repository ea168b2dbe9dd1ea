"""Persistence of the risk area: result snapshots, background runs and the action plan.

A snapshot is immutable: the inputs it was computed from (profile, control maturity, catalogue version) with
their SHA-256, the seed, the number of simulated years, the model version and the figures (the JSON of
``cyber360 quantify --json``). Two snapshots can so be compared and their difference explained.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cyber360.core.db import Base, UtcDateTime, utcnow


class RiskSnapshotRow(Base):
    """The figures of one run, for an establishment or (``establishment_id`` empty) a whole GHT."""

    __tablename__ = "risk_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    inputs: Mapped[str] = mapped_column(Text, nullable=False)
    inputs_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    years: Mapped[int] = mapped_column(Integer, nullable=False)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    total_aal: Mapped[float] = mapped_column(Float, nullable=False)
    mean_maturity: Mapped[float] = mapped_column(Float, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(String(320), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class RiskJobRow(Base):
    """A run of the engine in the background: queued, running (progress 0..1), done or failed."""

    __tablename__ = "risk_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", nullable=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    error: Mapped[str] = mapped_column(Text, default="", nullable=False)
    years: Mapped[int] = mapped_column(Integer, nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("risk_snapshots.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RiskActionRow(Base):
    """An action of an establishment's plan: generated from an unmet control, written by hand, or a lesson."""

    __tablename__ = "risk_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    source: Mapped[str] = mapped_column(String(20), default="manual", nullable=False)
    control_id: Mapped[str | None] = mapped_column(String(64))
    target_level: Mapped[float | None] = mapped_column(Float)
    crisis_lesson_id: Mapped[int | None] = mapped_column(Integer)
    cost_one_off_eur: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    cost_yearly_eur: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    loss_avoided_eur: Mapped[float | None] = mapped_column(Float)
    return_ratio: Mapped[float | None] = mapped_column(Float)
    owner: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
