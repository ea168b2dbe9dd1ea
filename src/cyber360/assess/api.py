"""JSON routes of the assess area: framework library, assessments, answers, evidence (exposure:
``exposure_api``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from cyber360.assess import assessment_analysis, assessment_service, charts, evidence_service, library_service
from cyber360.assess.csv_export import export_csv
from cyber360.assess.model import AssessmentAction
from cyber360.assess.schemas import (
    AnswersUpdate,
    AssessmentCreate,
    AssessmentPublic,
    AssessmentSummary,
    ComparisonPublic,
    EvidencePublic,
    FrameworkDetail,
    FrameworkSummary,
    LibraryImport,
)
from cyber360.assess.uploads import ApiUpload, attachment, file_attachment, multipart_body
from cyber360.core.db import MAX_ROW_ID
from cyber360.core.i18n import translator
from cyber360.core.web import CurrentUser, SettingsDep, UowDep, request_locale

router = APIRouter(prefix="/api/v1", tags=["assess"])
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
_CREATED = status.HTTP_201_CREATED


def evidence_store(settings: SettingsDep) -> evidence_service.EvidenceStore:
    return evidence_service.EvidenceStore(settings.data_dir / "evidence", settings.upload_max_bytes)


# Framework library ------------------------------------------------------------------------------------------


@router.get("/frameworks", response_model=list[FrameworkSummary])
def api_list_frameworks(request: Request, principal: CurrentUser, uow: UowDep) -> list[FrameworkSummary]:
    """The shipped frameworks, those imported platform-wide, and the GHT-private ones in scope."""
    return library_service.list_frameworks(uow, principal, request_locale(request))


@router.post(
    "/frameworks",
    response_model=FrameworkSummary,
    status_code=_CREATED,
    openapi_extra=multipart_body("ght_id"),
)
def api_import_framework(
    upload: ApiUpload, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> FrameworkSummary:
    """Import a library file in CISO Assistant's YAML format (multipart ``file``; optional ``ght_id``).
    A refused file answers 422 with every reason, each naming its path in the file."""
    try:
        command = LibraryImport.model_validate({"ght_id": upload.fields.get("ght_id") or None})
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    return library_service.import_library(
        uow, principal, upload.require(), command, max_bytes=settings.upload_max_bytes
    )


@router.get("/frameworks/{framework_id}", response_model=FrameworkDetail)
def api_get_framework(
    request: Request, framework_id: IdPath, principal: CurrentUser, uow: UowDep
) -> FrameworkDetail:
    return library_service.get_framework(uow, principal, framework_id, request_locale(request))


@router.get("/frameworks/{framework_id}/export", response_class=Response)
def api_export_framework(framework_id: IdPath, principal: CurrentUser, uow: UowDep) -> Response:
    """The library file back, in CISO Assistant's format (a download)."""
    filename, text = library_service.export_framework(uow, principal, framework_id)
    return attachment(text, filename, "application/yaml; charset=utf-8")


# Assessments ------------------------------------------------------------------------------------------------


@router.get("/assessments", response_model=list[AssessmentSummary])
def api_list_assessments(
    principal: CurrentUser, uow: UowDep, establishment_id: IdQuery = None, ght_id: IdQuery = None
) -> list[AssessmentSummary]:
    return assessment_service.list_assessments(
        uow, principal, establishment_id=establishment_id, ght_id=ght_id
    )


@router.post("/assessments", response_model=AssessmentSummary, status_code=_CREATED)
def api_create_assessment(body: AssessmentCreate, principal: CurrentUser, uow: UowDep) -> AssessmentSummary:
    return assessment_service.create_assessment(uow, principal, body)


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic)
def api_get_assessment(
    request: Request, assessment_id: IdPath, principal: CurrentUser, uow: UowDep
) -> AssessmentPublic:
    """The assessment with every requirement, its answer and evidence, and the scores."""
    return assessment_service.get_assessment(uow, principal, assessment_id, request_locale(request))


@router.put("/assessments/{assessment_id}/answers", response_model=AssessmentPublic)
def api_save_answers(
    assessment_id: IdPath, body: AnswersUpdate, principal: CurrentUser, uow: UowDep
) -> AssessmentPublic:
    """Record answers (score on the framework's scale, comment); a draft only."""
    return assessment_service.save_answers(uow, principal, assessment_id, body)


@router.post("/assessments/{assessment_id}/submit", response_model=AssessmentSummary)
def api_submit(assessment_id: IdPath, principal: CurrentUser, uow: UowDep) -> AssessmentSummary:
    """Submit a draft (at least one requirement answered) for validation."""
    return assessment_service.change_status(uow, principal, assessment_id, AssessmentAction.SUBMIT)


@router.post("/assessments/{assessment_id}/validate", response_model=AssessmentSummary)
def api_validate(assessment_id: IdPath, principal: CurrentUser, uow: UowDep) -> AssessmentSummary:
    """Validate a submitted assessment (the GHT's manager or its consultant); it is then frozen."""
    return assessment_service.change_status(uow, principal, assessment_id, AssessmentAction.VALIDATE)


@router.post("/assessments/{assessment_id}/reopen", response_model=AssessmentSummary)
def api_reopen(assessment_id: IdPath, principal: CurrentUser, uow: UowDep) -> AssessmentSummary:
    """Send a submitted assessment back to draft (the GHT's manager or its consultant)."""
    return assessment_service.change_status(uow, principal, assessment_id, AssessmentAction.REOPEN)


@router.get("/assessments/{assessment_id}/compare/{other_id}", response_model=ComparisonPublic)
def api_compare(
    request: Request, assessment_id: IdPath, other_id: IdPath, principal: CurrentUser, uow: UowDep
) -> ComparisonPublic:
    """From assessment ``other_id`` (before) to ``assessment_id`` (after): what improved, what regressed."""
    return assessment_analysis.compare(uow, principal, other_id, assessment_id, request_locale(request))


@router.get("/assessments/{assessment_id}/export.csv", response_class=Response)
def api_export_csv(request: Request, assessment_id: IdPath, principal: CurrentUser, uow: UowDep) -> Response:
    filename, text = export_csv(uow, principal, assessment_id, request_locale(request))
    return attachment(text.encode("utf-8"), filename, "text/csv; charset=utf-8")


@router.get("/assessments/{assessment_id}/radar.svg", response_class=Response)
def api_radar(
    request: Request, assessment_id: IdPath, principal: CurrentUser, uow: UowDep, other: IdQuery = None
) -> Response:
    """The radar of the domain scores (with an earlier assessment dashed when ``other`` is given)."""
    locale = request_locale(request)
    _ = translator(locale)
    assessment = assessment_service.get_assessment(uow, principal, assessment_id, locale)
    axes = [line.label for line in assessment.scores.domains]
    series = []
    if other is not None:
        comparison = assessment_analysis.compare(uow, principal, other, assessment_id, locale)
        by_urn = {line.urn: line.percent for line in comparison.before_scores.domains}
        series.append(
            charts.Series(
                _("Évaluation précédente"), [by_urn.get(line.urn) for line in assessment.scores.domains]
            )
        )
    series.append(charts.Series(assessment.title, [line.percent for line in assessment.scores.domains]))
    svg = charts.radar_svg(
        axes,
        series,
        title=_("Scores par domaine : {title}", title=assessment.title),
        empty_text=_("Aucun domaine"),
    )
    return Response(svg, media_type="image/svg+xml")


@router.get("/establishments/{establishment_id}/control-maturity")
def api_control_maturity(establishment_id: IdPath, principal: CurrentUser, uow: UowDep) -> dict[str, float]:
    """Control id -> maturity 0-5, from the latest validated (else submitted) assessments."""
    return assessment_analysis.control_maturity(uow, principal, establishment_id)


# Evidence ---------------------------------------------------------------------------------------------------


@router.post(
    "/assessments/{assessment_id}/evidence",
    response_model=EvidencePublic,
    status_code=_CREATED,
    openapi_extra=multipart_body("requirement_urn"),
)
def api_add_evidence(
    assessment_id: IdPath, upload: ApiUpload, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> EvidencePublic:
    """Attach a file (PDF, PNG, JPEG, text, CSV, DOCX, XLSX) to a requirement of a draft assessment."""
    return evidence_service.add_evidence(
        uow,
        principal,
        evidence_store(settings),
        assessment_id,
        upload.fields.get("requirement_urn", ""),
        upload.filename,
        upload.require(),
    )


@router.get("/evidence/{evidence_id}", response_class=Response)
def api_download_evidence(
    evidence_id: IdPath, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> Response:
    download = evidence_service.open_evidence(uow, principal, evidence_store(settings), evidence_id)
    return file_attachment(download.path, download.filename, download.content_type)


@router.delete("/evidence/{evidence_id}", status_code=status.HTTP_204_NO_CONTENT)
def api_delete_evidence(
    evidence_id: IdPath, principal: CurrentUser, uow: UowDep, settings: SettingsDep
) -> Response:
    evidence_service.delete_evidence(uow, principal, evidence_store(settings), evidence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
