"""Reading assessments side by side: comparison of two assessments, and the control maturity of an
establishment derived from its latest validated (else submitted) assessments (used by the loss model)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select

from cyber360.assess import access
from cyber360.assess import model as domain
from cyber360.assess.assessment_service import answers_of, assessment_row, framework_of, scores_public
from cyber360.assess.schemas import ComparisonPublic, RequirementChangePublic
from cyber360.assess.tables import AssessmentRow, FrameworkRow
from cyber360.core.errors import FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork


def _score_map(uow: UnitOfWork, row: AssessmentRow) -> dict[str, int | None]:
    return {urn: answer.score for urn, answer in answers_of(uow, row.id).items()}


def _change_public(item: domain.RequirementChange) -> RequirementChangePublic:
    return RequirementChangePublic(
        urn=item.urn,
        ref_id=item.ref_id,
        name=item.name,
        before=item.before,
        after=item.after,
        delta=item.delta,
        change=item.change.value,
    )


def compare(
    uow: UnitOfWork, principal: Principal, before_id: int, after_id: int, locale: str = "fr"
) -> ComparisonPublic:
    """What improved and what regressed from one assessment to another of the same framework. The
    requirements compared are those of the later assessment's selection of implementation groups."""
    first = assessment_row(uow, principal, before_id)
    second = assessment_row(uow, principal, after_id)
    urns = {uow.session.get(FrameworkRow, row.framework_id).urn for row in (first, second)}  # type: ignore[union-attr]
    if len(urns) != 1:
        raise FieldError("other", "error.assess_same_framework")
    framework = framework_of(uow, second, locale)
    result = domain.compare_assessments(
        framework.requirements,
        _score_map(uow, first),
        _score_map(uow, second),
        framework.scale,
        framework.domains,
    )
    changes = [_change_public(item) for item in result.requirements]
    return ComparisonPublic(
        before_id=first.id,
        after_id=second.id,
        before_scores=scores_public(result.before),
        after_scores=scores_public(result.after),
        improved=[_change_public(item) for item in result.improved],
        regressed=[_change_public(item) for item in result.regressed],
        unchanged=len(result.of(domain.Change.UNCHANGED)),
        requirements=changes,
    )


def _latest_per_framework(rows: Sequence[tuple[AssessmentRow, str]]) -> list[AssessmentRow]:
    """Per framework (urn): the establishment's own assessment before a GHT-wide one, a validated one
    before a submitted one, then the most recent."""
    best: dict[str, tuple[tuple[Any, ...], AssessmentRow]] = {}
    for row, urn in rows:
        when = row.validated_at or row.submitted_at or row.updated_at
        rank = (
            row.establishment_id is not None,
            row.status == domain.AssessmentStatus.VALIDATED.value,
            when,
            row.id,
        )
        if urn not in best or rank > best[urn][0]:
            best[urn] = (rank, row)
    return [row for _, row in best.values()]


def control_maturity(uow: UnitOfWork, principal: Principal, establishment_id: int) -> dict[str, float]:
    """Control id -> maturity 0-5 for an establishment, from its latest validated (else submitted)
    assessment of each framework (a GHT-wide one when the establishment has none of its own)."""
    establishment = access.establishment_in_scope(uow, principal, establishment_id)
    statuses = [domain.AssessmentStatus.VALIDATED.value, domain.AssessmentStatus.SUBMITTED.value]
    rows = uow.session.execute(
        select(AssessmentRow, FrameworkRow.urn)
        .join(FrameworkRow, FrameworkRow.id == AssessmentRow.framework_id)
        .where(
            AssessmentRow.status.in_(statuses),
            or_(
                AssessmentRow.establishment_id == establishment.id,
                and_(AssessmentRow.establishment_id.is_(None), AssessmentRow.ght_id == establishment.ght_id),
            ),
            access.read_clause(principal, AssessmentRow.establishment_id, AssessmentRow.ght_id),
        )
    ).all()
    evidence: list[tuple[Sequence[str], float]] = []
    for row in _latest_per_framework(list(rows)):
        framework = framework_of(uow, row, "fr")
        scores = _score_map(uow, row)
        for requirement in framework.requirements:
            score = scores.get(requirement.urn)
            if score is not None and requirement.controls:
                evidence.append((requirement.controls, framework.scale.normalise(score)))
    return domain.control_maturity(evidence)
