"""Assessment use cases: create, answer, submit, validate, score, compare, export, and control maturity.

Each takes a unit of work, the acting user and a command; reads are filtered by the scope clauses of
``access``, every change is audited in the same transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from cyber360.assess import access
from cyber360.assess import model as domain
from cyber360.assess.library_service import (
    AssessedFramework,
    assessed_framework,
    framework_row,
    levels,
    parsed,
)
from cyber360.assess.schemas import (
    AnswersUpdate,
    AssessmentCreate,
    AssessmentPublic,
    AssessmentSummary,
    DomainScorePublic,
    EvidencePublic,
    RequirementAnswer,
    ScoresPublic,
)
from cyber360.assess.tables import AnswerRow, AssessmentRow, EvidenceRow, FrameworkRow
from cyber360.core.db import utcnow
from cyber360.core.errors import DomainError, FieldError, Forbidden, NotFound
from cyber360.core.scope import Principal, Role
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.org.tables import EstablishmentRow, GhtRow

_STATUS_FIELDS = ["status", "submitted_at", "validated_at"]


def assessment_row(uow: UnitOfWork, principal: Principal, assessment_id: int) -> AssessmentRow:
    """An assessment in the reader's scope, else ``NotFound`` (denial audited)."""
    clause = access.read_clause(principal, AssessmentRow.establishment_id, AssessmentRow.ght_id)
    return get_in_scope(uow, principal, AssessmentRow, assessment_id, clause, object_type="assessment")


def _groups(row: AssessmentRow) -> list[str]:
    value = json.loads(row.implementation_groups or "[]")
    return [str(item) for item in value] if isinstance(value, list) else []


def framework_of(uow: UnitOfWork, row: AssessmentRow, locale: str) -> AssessedFramework:
    framework = uow.session.get(FrameworkRow, row.framework_id)
    assert framework is not None
    return assessed_framework(parsed(framework), _groups(row) or None, locale)


def answers_of(uow: UnitOfWork, assessment_id: int) -> dict[str, AnswerRow]:
    rows = uow.session.execute(select(AnswerRow).where(AnswerRow.assessment_id == assessment_id)).scalars()
    return {row.requirement_urn: row for row in rows}


def scores_public(scores: domain.Scores) -> ScoresPublic:
    return ScoresPublic(
        percent=scores.percent,
        answered=scores.answered,
        total=scores.total,
        completion=round(scores.completion, 1),
        domains=[DomainScorePublic(**vars_of(line)) for line in scores.domains],
    )


def vars_of(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


def _scope_name(uow: UnitOfWork, row: AssessmentRow) -> str:
    if row.establishment_id is not None:
        establishment = uow.session.get(EstablishmentRow, row.establishment_id)
        return establishment.name if establishment else ""
    ght = uow.session.get(GhtRow, row.ght_id)
    return ght.name if ght else ""


def _summary(row: AssessmentRow, scope_name: str, framework_name: str) -> AssessmentSummary:
    return AssessmentSummary(
        id=row.id,
        title=row.title,
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        scope_name=scope_name,
        framework_id=row.framework_id,
        framework_name=framework_name,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
        validated_at=row.validated_at,
    )


def list_assessments(
    uow: UnitOfWork, principal: Principal, *, establishment_id: int | None = None, ght_id: int | None = None
) -> list[AssessmentSummary]:
    ght = aliased(GhtRow)
    statement = (
        select(AssessmentRow, FrameworkRow.name, EstablishmentRow.name, ght.name)
        .join(FrameworkRow, FrameworkRow.id == AssessmentRow.framework_id)
        .join(ght, ght.id == AssessmentRow.ght_id)
        .outerjoin(EstablishmentRow, EstablishmentRow.id == AssessmentRow.establishment_id)
        .where(access.read_clause(principal, AssessmentRow.establishment_id, AssessmentRow.ght_id))
    )
    if establishment_id is not None:
        statement = statement.where(AssessmentRow.establishment_id == establishment_id)
    if ght_id is not None:
        statement = statement.where(AssessmentRow.ght_id == ght_id)
    rows = uow.session.execute(statement.order_by(AssessmentRow.updated_at.desc(), AssessmentRow.id.desc()))
    return [_summary(row, establishment or ght_name, name) for row, name, establishment, ght_name in rows]


def create_assessment(uow: UnitOfWork, principal: Principal, command: AssessmentCreate) -> AssessmentSummary:
    if command.establishment_id is not None:
        establishment = access.referenced_establishment(uow, principal, command.establishment_id)
        ght_id, establishment_id = establishment.ght_id, establishment.id
    else:
        assert command.ght_id is not None
        if principal.role is Role.ESTABLISHMENT_USER:
            raise FieldError("ght_id", "error.assess_ght_wide")
        ght_id, establishment_id = access.referenced_ght(uow, principal, command.ght_id).id, None
    access.require_write(principal, ght_id, establishment_id, "assessment.create")
    try:
        framework = framework_row(uow, principal, command.framework_id)
    except NotFound as error:
        raise FieldError("framework_id", "error.unknown_id") from error
    if framework.ght_id is not None and framework.ght_id != ght_id:
        raise FieldError("framework_id", "error.unknown_id")  # another GHT's private library
    definition = parsed(framework).framework
    groups = command.implementation_groups
    if groups is None or not definition.implementation_groups_definition:
        groups = (
            definition.default_implementation_groups() if definition.implementation_groups_definition else []
        )
    unknown = set(groups) - set(definition.implementation_group_ids())
    if unknown or (definition.implementation_groups_definition and not groups):
        raise FieldError("implementation_groups", "error.choice")
    now = utcnow()
    row = AssessmentRow(
        ght_id=ght_id,
        establishment_id=establishment_id,
        framework_id=framework.id,
        title=command.title,
        implementation_groups=json.dumps(list(dict.fromkeys(groups))),
        status=domain.AssessmentStatus.DRAFT.value,
        created_by_user_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        principal,
        "assessment.created",
        object_type="assessment",
        object_id=row.id,
        ght_id=ght_id,
        after={
            "title": row.title,
            "framework_id": framework.id,
            "establishment_id": establishment_id,
            "implementation_groups": groups,
        },
    )
    uow.commit()
    return _summary(row, _scope_name(uow, row), framework.name)


def _evidence_public(row: EvidenceRow) -> EvidencePublic:
    return EvidencePublic.model_validate(row, from_attributes=True)


def get_assessment(
    uow: UnitOfWork, principal: Principal, assessment_id: int, locale: str = "fr"
) -> AssessmentPublic:
    row = assessment_row(uow, principal, assessment_id)
    return _public(uow, principal, row, locale)


def _public(uow: UnitOfWork, principal: Principal, row: AssessmentRow, locale: str) -> AssessmentPublic:
    framework = framework_of(uow, row, locale)
    answers = answers_of(uow, row.id)
    evidence: dict[str, list[EvidencePublic]] = {}
    for item in uow.session.execute(
        select(EvidenceRow).where(EvidenceRow.assessment_id == row.id).order_by(EvidenceRow.id)
    ).scalars():
        evidence.setdefault(item.requirement_urn, []).append(_evidence_public(item))
    scores = domain.score_assessment(
        framework.requirements,
        {urn: answer.score for urn, answer in answers.items()},
        framework.scale,
        framework.domains,
    )
    domain_labels = {item.urn: item.label for item in framework.domains}
    status = domain.AssessmentStatus(row.status)
    actions = [
        action.value
        for action in domain.allowed_actions(status)
        if (
            access.can_validate(principal, row.ght_id)
            if action in domain.VALIDATOR_ACTIONS
            else access.can_write(principal, row.ght_id, row.establishment_id)
        )
    ]
    requirements = []
    for requirement in framework.requirements:
        node = framework.nodes[requirement.urn]
        answer = answers.get(requirement.urn)
        requirements.append(
            RequirementAnswer(
                urn=requirement.urn,
                ref_id=requirement.ref_id,
                name=requirement.name,
                description=node.localized("description", locale),
                typical_evidence=node.localized("typical_evidence", locale),
                domain_urn=requirement.domain_urn,
                domain_label=domain_labels[requirement.domain_urn],
                controls=list(requirement.controls),
                score=answer.score if answer else None,
                comment=answer.comment if answer else "",
                evidence=evidence.get(requirement.urn, []),
            )
        )
    definition = framework.library.framework
    name = definition.localized("name", locale) or definition.name
    return AssessmentPublic(
        **_summary(row, _scope_name(uow, row), name).model_dump(),
        implementation_groups=_groups(row),
        levels=levels(definition, locale),
        score_min=framework.scale.minimum,
        score_max=framework.scale.maximum,
        allowed_actions=actions,
        editable=domain.answers_editable(status)
        and access.can_write(principal, row.ght_id, row.establishment_id),
        scores=scores_public(scores),
        requirements=requirements,
    )


def require_editable(principal: Principal, row: AssessmentRow, action: str) -> None:
    """The assessment's answers and evidence may change: a writer, on a draft."""
    access.require_write(principal, row.ght_id, row.establishment_id, action)
    if not domain.answers_editable(domain.AssessmentStatus(row.status)):
        raise DomainError("error.assess_not_editable")


def save_answers(
    uow: UnitOfWork, principal: Principal, assessment_id: int, command: AnswersUpdate
) -> AssessmentPublic:
    """Record answers (each replaces the previous answer to its requirement), in one transaction."""
    row = assessment_row(uow, principal, assessment_id)
    require_editable(principal, row, "assessment.answer")
    framework = framework_of(uow, row, principal.locale)
    known = {requirement.urn for requirement in framework.requirements}
    stored = answers_of(uow, row.id)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    now = utcnow()
    for index, answer in enumerate(command.answers):
        urn = answer.requirement_urn.lower()
        if urn not in known:
            raise FieldError(f"answers.{index}.requirement_urn", "error.assess_unknown_requirement")
        if answer.score is not None and not framework.scale.accepts(answer.score):
            allowed = (
                ", ".join(map(str, framework.scale.levels))
                or f"{framework.scale.minimum}-{framework.scale.maximum}"
            )
            raise FieldError(f"answers.{index}.score", "error.assess_score", allowed=allowed)
        current = stored.get(urn)
        if current is not None and (current.score, current.comment) == (answer.score, answer.comment):
            continue
        before[urn] = {"score": current.score, "comment": current.comment} if current else None
        after[urn] = {"score": answer.score, "comment": answer.comment}
        if current is None:
            current = AnswerRow(assessment_id=row.id, requirement_urn=urn)
            uow.session.add(current)
            stored[urn] = current
        current.score, current.comment = answer.score, answer.comment
        current.updated_at, current.updated_by_user_id = now, principal.user_id
    if after:
        row.updated_at = now
        uow.session.flush()
        uow.audit(
            principal,
            "assessment.answered",
            object_type="assessment",
            object_id=row.id,
            ght_id=row.ght_id,
            before=before,
            after=after,
        )
        uow.commit()
    return _public(uow, principal, row, principal.locale)


def change_status(
    uow: UnitOfWork, principal: Principal, assessment_id: int, action: domain.AssessmentAction
) -> AssessmentSummary:
    """Submit a draft, validate a submitted assessment or send it back to draft."""
    row = assessment_row(uow, principal, assessment_id)
    if action in domain.VALIDATOR_ACTIONS:
        if not access.can_validate(principal, row.ght_id):
            raise Forbidden(f"assessment.{action.value}")
    else:
        access.require_write(principal, row.ght_id, row.establishment_id, f"assessment.{action.value}")
    try:
        status = domain.transition(domain.AssessmentStatus(row.status), action)
    except domain.TransitionError as error:
        raise DomainError("error.assess_transition") from error
    if action is domain.AssessmentAction.SUBMIT:
        answered = any(answer.score is not None for answer in answers_of(uow, row.id).values())
        if not answered:
            raise DomainError("error.assess_nothing_answered")
    before = {name: getattr(row, name) for name in _STATUS_FIELDS}
    now = utcnow()
    row.status = status.value
    row.updated_at = now
    if action is domain.AssessmentAction.SUBMIT:
        row.submitted_at, row.submitted_by_user_id = now, principal.user_id
    elif action is domain.AssessmentAction.VALIDATE:
        row.validated_at, row.validated_by_user_id = now, principal.user_id
    else:
        row.submitted_at = row.submitted_by_user_id = None
    uow.audit(
        principal,
        f"assessment.{status.value}"
        if action is not domain.AssessmentAction.REOPEN
        else "assessment.reopened",
        object_type="assessment",
        object_id=row.id,
        ght_id=row.ght_id,
        before=before,
        after={name: getattr(row, name) for name in _STATUS_FIELDS},
    )
    uow.commit()
    framework = uow.session.get(FrameworkRow, row.framework_id)
    return _summary(row, _scope_name(uow, row), framework.name if framework else "")
