"""Persistence of the assess area: framework libraries, assessments, answers, evidence, technical exposure
(assets, findings, scan imports) and the threat-intelligence feeds (KEV, EPSS).

Every tenant row carries its ``ght_id`` (and ``establishment_id`` when it belongs to one establishment),
so that the scope clauses of ``core.scope`` filter it in the query itself.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cyber360.core.db import Base, UtcDateTime, utcnow

#: ``scope_key`` of a library every user sees (shipped, or imported by the platform administrator).
PLATFORM_SCOPE = "platform"


class FrameworkRow(Base):
    """A framework library file (CISO Assistant format), shipped or imported; ``source`` is the YAML text.

    ``ght_id`` is empty for a platform-wide library, else the GHT that imported it (private to that GHT).
    A newer version of a library is a new row: assessments keep pointing to the version they answered.
    """

    __tablename__ = "assess_frameworks"
    __table_args__ = (UniqueConstraint("urn", "version", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(512), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    ref_id: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(500), nullable=False)
    provider: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    locale: Mapped[str] = mapped_column(String(20), nullable=False)
    scope_key: Mapped[str] = mapped_column(String(20), nullable=False)
    ght_id: Mapped[int | None] = mapped_column(ForeignKey("ghts.id"), index=True)
    shipped: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class AssessmentRow(Base):
    """A maturity assessment of one establishment, or of a whole GHT when ``establishment_id`` is empty."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("assess_frameworks.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    implementation_groups: Mapped[str] = mapped_column(Text, default="[]", nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    validated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AnswerRow(Base):
    """The answer to one requirement: a score on the framework's scale (empty: not answered) and a comment."""

    __tablename__ = "assessment_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "requirement_urn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), nullable=False, index=True)
    requirement_urn: Mapped[str] = mapped_column(String(512), nullable=False)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EvidenceRow(Base):
    """An evidence file attached to a requirement of an assessment. The file lives on disk under a random
    name (``stored_name``, in ``data_dir/evidence``); the name the user gave is kept for the download only."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    requirement_urn: Mapped[str] = mapped_column(String(512), nullable=False)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class AssetRow(Base):
    """A machine of an establishment's network, merged across scan imports; its key is (address, hostname)."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("establishment_id", "address", "hostname"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(45), default="", nullable=False)
    hostname: Mapped[str] = mapped_column(String(253), default="", nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    os: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    is_medical_device: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    internet_exposed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    services: Mapped[str] = mapped_column(Text, default="[]", nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class FindingRow(Base):
    """A vulnerability reported on an asset; its key is (asset, protocol, port, CVE or scanner check)."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("asset_id", "protocol", "port", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id"), nullable=False, index=True)
    protocol: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    port: Mapped[int] = mapped_column(Integer, nullable=False)  # -1: a host-level finding
    reference: Mapped[str] = mapped_column(String(120), nullable=False)
    cve: Mapped[str] = mapped_column(String(20), default="", nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    source_id: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    cvss_score: Mapped[float | None] = mapped_column(Float)
    cvss_version: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class ScanImportRow(Base):
    """One imported scan report or inventory: what it was, what it brought, who imported it and when."""

    __tablename__ = "scan_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), nullable=False, index=True)
    ght_id: Mapped[int] = mapped_column(ForeignKey("ghts.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    format: Mapped[str] = mapped_column(String(20), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    asset_count: Mapped[int] = mapped_column(Integer, nullable=False)
    finding_count: Mapped[int] = mapped_column(Integer, nullable=False)
    assets_added: Mapped[int] = mapped_column(Integer, nullable=False)
    assets_updated: Mapped[int] = mapped_column(Integer, nullable=False)
    findings_added: Mapped[int] = mapped_column(Integer, nullable=False)
    findings_updated: Mapped[int] = mapped_column(Integer, nullable=False)
    warnings: Mapped[str] = mapped_column(Text, default="[]", nullable=False)
    imported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)


class KevRow(Base):
    """An entry of the CISA Known Exploited Vulnerabilities catalogue (public data, not tenant data)."""

    __tablename__ = "kev_entries"

    cve_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    vendor_project: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    product: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    vulnerability_name: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    date_added: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    known_ransomware_campaign_use: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    short_description: Mapped[str] = mapped_column(Text, default="", nullable=False)


class EpssRow(Base):
    """The FIRST EPSS probability that a CVE is exploited in the next 30 days (public data)."""

    __tablename__ = "epss_scores"

    cve: Mapped[str] = mapped_column(String(20), primary_key=True)
    epss: Mapped[float] = mapped_column(Float, nullable=False)
    percentile: Mapped[float | None] = mapped_column(Float)


class FeedStatusRow(Base):
    """What was last loaded of a feed (``kev`` or ``epss``): version, date, number of entries."""

    __tablename__ = "feed_status"

    name: Mapped[str] = mapped_column(String(10), primary_key=True)
    version: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    released: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    entries: Mapped[int] = mapped_column(Integer, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, nullable=False)
