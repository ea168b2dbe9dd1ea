"""Commands (what a client may send) and public views (what it gets back) of the assess area.

Commands refuse unknown fields and bound every length and list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cyber360.core.db import MAX_ROW_ID

Id = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
Urn = Annotated[str, Field(min_length=5, max_length=512)]
GroupId = Annotated[str, Field(min_length=1, max_length=200)]
MAX_ANSWERS_PER_REQUEST = 20_000
MAX_COMMENT_LENGTH = 10_000


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Framework library ------------------------------------------------------------------------------------------


class LibraryImport(Command):
    """Where an imported library goes: the platform (administrator) or one GHT (its manager)."""

    ght_id: Id | None = None


class ScoreLevel(BaseModel):
    score: int
    name: str
    description: str | None = None


class GroupPublic(BaseModel):
    ref_id: str
    name: str
    default_selected: bool = False


class FrameworkSummary(BaseModel):
    id: int
    urn: str
    ref_id: str
    name: str
    version: int
    provider: str
    locale: str
    ght_id: int | None
    shipped: bool
    requirement_count: int
    score_min: int
    score_max: int
    levels: list[ScoreLevel]
    implementation_groups: list[GroupPublic]


class FrameworkNode(BaseModel):
    urn: str
    parent_urn: str | None
    level: int
    ref_id: str | None
    name: str | None
    description: str | None
    typical_evidence: str | None
    assessable: bool
    implementation_groups: list[str]
    controls: list[str]


class FrameworkDetail(FrameworkSummary):
    description: str | None
    copyright: str | None
    nodes: list[FrameworkNode]


# Assessments ------------------------------------------------------------------------------------------------


class AssessmentCreate(Command):
    """An assessment of one establishment, or of a whole GHT (``establishment_id`` empty, ``ght_id`` set).
    Without implementation groups, the framework's default selection applies."""

    framework_id: Id
    establishment_id: Id | None = None
    ght_id: Id | None = None
    title: Annotated[str, Field(min_length=2, max_length=200)]
    implementation_groups: Annotated[list[GroupId], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> AssessmentCreate:
        if (self.establishment_id is None) == (self.ght_id is None):
            raise ValueError("give either establishment_id or ght_id")
        return self


class AnswerIn(Command):
    """The answer to one requirement; an empty score clears it (not answered)."""

    requirement_urn: Urn
    score: Annotated[int, Field(ge=-1000, le=1000)] | None = None
    comment: Annotated[str, Field(max_length=MAX_COMMENT_LENGTH)] = ""


class AnswersUpdate(Command):
    answers: Annotated[list[AnswerIn], Field(min_length=1, max_length=MAX_ANSWERS_PER_REQUEST)]


class EvidencePublic(BaseModel):
    id: int
    assessment_id: int
    requirement_urn: str
    original_name: str
    kind: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class DomainScorePublic(BaseModel):
    urn: str
    label: str
    answered: int
    total: int
    percent: float | None


class ScoresPublic(BaseModel):
    percent: float | None
    answered: int
    total: int
    completion: float
    domains: list[DomainScorePublic]


class AssessmentSummary(BaseModel):
    id: int
    title: str
    ght_id: int
    establishment_id: int | None
    scope_name: str
    framework_id: int
    framework_name: str
    status: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    validated_at: datetime | None


class RequirementAnswer(BaseModel):
    urn: str
    ref_id: str
    name: str
    description: str | None
    typical_evidence: str | None
    domain_urn: str
    domain_label: str
    controls: list[str]
    score: int | None
    comment: str
    evidence: list[EvidencePublic]


class AssessmentPublic(AssessmentSummary):
    implementation_groups: list[str]
    levels: list[ScoreLevel]
    score_min: int
    score_max: int
    allowed_actions: list[str]
    editable: bool
    scores: ScoresPublic
    requirements: list[RequirementAnswer]


class RequirementChangePublic(BaseModel):
    urn: str
    ref_id: str
    name: str
    before: float | None
    after: float | None
    delta: float | None
    change: str


class ComparisonPublic(BaseModel):
    before_id: int
    after_id: int
    before_scores: ScoresPublic
    after_scores: ScoresPublic
    improved: list[RequirementChangePublic]
    regressed: list[RequirementChangePublic]
    unchanged: int
    requirements: list[RequirementChangePublic]


# Technical exposure -----------------------------------------------------------------------------------------


class WarningPublic(BaseModel):
    code: str
    message: str


class ScanImportPublic(BaseModel):
    id: int
    establishment_id: int
    filename: str
    format: str
    asset_count: int
    finding_count: int
    assets_added: int
    assets_updated: int
    findings_added: int
    findings_updated: int
    warnings: list[WarningPublic]
    imported_at: datetime


class ServicePublic(BaseModel):
    port: int
    protocol: str
    name: str = ""
    product: str = ""
    version: str = ""


class FindingPublic(BaseModel):
    id: int
    asset_id: int
    establishment_id: int
    asset_label: str
    cve: str
    title: str
    severity: str
    cvss_score: float | None
    port: int | None
    protocol: str
    source: str
    in_kev: bool
    known_ransomware_use: bool
    epss: float | None


class AssetPublic(BaseModel):
    id: int
    establishment_id: int
    label: str
    address: str
    hostname: str
    kind: str
    os: str
    is_medical_device: bool
    internet_exposed: bool
    services: list[ServicePublic]
    finding_count: int


class AssetDetail(AssetPublic):
    findings: list[FindingPublic]


class ExposedServicePublic(BaseModel):
    asset_id: int
    asset_label: str
    service: ServicePublic


class MedicalDevicePublic(BaseModel):
    asset: AssetPublic
    findings: list[FindingPublic]


class FeedInfo(BaseModel):
    name: str
    version: str
    released: str
    entries: int
    imported_at: datetime


class ExposureSummaryPublic(BaseModel):
    establishment_id: int
    asset_count: int
    finding_count: int
    epss_threshold: float
    internet_exposed_services: list[ExposedServicePublic]
    kev_findings: list[FindingPublic]
    high_epss_findings: list[FindingPublic]
    vulnerable_medical_devices: list[MedicalDevicePublic]
    feeds: list[FeedInfo]
