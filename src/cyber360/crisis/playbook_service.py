"""Playbooks: the shipped one per scenario, or the GHT's own edited copy (YAML validated on save)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import delete, select

from cyber360.core.db import utcnow
from cyber360.core.errors import FieldError
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access
from cyber360.crisis.playbooks import (
    Playbook,
    PlaybookError,
    load_playbook,
    shipped_playbook,
    shipped_playbooks,
)
from cyber360.crisis.schemas import PlaybookPublic, PlaybookSave
from cyber360.crisis.tables import CrisisPlaybookRow


def shipped_document(scenario: str) -> str:
    """The YAML text of a shipped playbook (the starting point of a GHT's copy)."""
    shipped_playbook(scenario)  # refuses an unknown scenario
    folder = resources.files("cyber360").joinpath("data").joinpath("playbooks")
    return folder.joinpath(f"{scenario}.yaml").read_text(encoding="utf-8")


def list_shipped() -> list[tuple[str, str]]:
    """(scenario, title) of every shipped playbook."""
    return [(scenario, playbook.title) for scenario, playbook in shipped_playbooks().items()]


def _copy(uow: UnitOfWork, ght_id: int, scenario: str) -> CrisisPlaybookRow | None:
    statement = select(CrisisPlaybookRow).where(
        CrisisPlaybookRow.ght_id == ght_id, CrisisPlaybookRow.scenario == scenario
    )
    return uow.session.execute(statement).scalar_one_or_none()


def effective_playbook(uow: UnitOfWork, ght_id: int, scenario: str) -> tuple[Playbook, str]:
    """The playbook a GHT follows for a scenario and its origin (``ght`` or ``shipped``).

    Callers have already checked the GHT is in the acting user's scope.
    """
    copy = _copy(uow, ght_id, scenario)
    if copy is not None:
        return load_playbook(copy.document, f"ght-{ght_id}-{scenario}"), "ght"
    return shipped_playbook(scenario), "shipped"


def get_playbook(uow: UnitOfWork, principal: Principal, ght_id: int, scenario: str) -> PlaybookPublic:
    access.ght_in_scope(uow, principal, ght_id)
    copy = _copy(uow, ght_id, scenario)
    if copy is not None:
        playbook = load_playbook(copy.document, "copy")
        return PlaybookPublic(
            ght_id=ght_id,
            scenario=scenario,
            origin="ght",
            title=playbook.title,
            document=copy.document,
            updated_at=copy.updated_at,
        )
    return PlaybookPublic(
        ght_id=ght_id,
        scenario=scenario,
        origin="shipped",
        title=shipped_playbook(scenario).title,
        document=shipped_document(scenario),
    )


def save_playbook(
    uow: UnitOfWork, principal: Principal, ght_id: int, scenario: str, command: PlaybookSave
) -> PlaybookPublic:
    """Store the GHT's own copy after validating it; every problem is named by its path in the document."""
    ght = access.ght_in_scope(uow, principal, ght_id)
    access.require_write(principal, ght.id, None, "crisis.playbook.save")
    try:
        playbook = load_playbook(command.document, "document")
    except PlaybookError as error:
        problems = "; ".join(str(problem) for problem in error.errors[:20])
        raise FieldError("document", "error.crisis_playbook_invalid", problems=problems) from None
    if playbook.scenario != scenario:
        raise FieldError(
            "document", "error.crisis_playbook_invalid", problems=f"scenario: expected {scenario}"
        )
    copy = _copy(uow, ght.id, scenario)
    before = None
    if copy is None:
        copy = CrisisPlaybookRow(ght_id=ght.id, scenario=scenario, document=command.document)
        uow.session.add(copy)
    else:
        before = {"tasks": sum(1 for _ in load_playbook(copy.document, "copy").tasks())}
        copy.document = command.document
    copy.updated_at = utcnow()
    copy.updated_by_user_id = principal.user_id
    uow.session.flush()
    uow.audit(
        principal,
        "crisis.playbook.saved",
        object_type="crisis_playbook",
        object_id=copy.id,
        ght_id=ght.id,
        before=before,
        after={"scenario": scenario, "tasks": sum(1 for _ in playbook.tasks())},
    )
    uow.commit()
    return get_playbook(uow, principal, ght.id, scenario)


def reset_playbook(uow: UnitOfWork, principal: Principal, ght_id: int, scenario: str) -> PlaybookPublic:
    """Drop the GHT's copy: the shipped playbook applies again."""
    ght = access.ght_in_scope(uow, principal, ght_id)
    access.require_write(principal, ght.id, None, "crisis.playbook.reset")
    copy = _copy(uow, ght.id, scenario)
    if copy is not None:
        uow.session.execute(delete(CrisisPlaybookRow).where(CrisisPlaybookRow.id == copy.id))
        uow.audit(
            principal,
            "crisis.playbook.reset",
            object_type="crisis_playbook",
            object_id=copy.id,
            ght_id=ght.id,
            before={"scenario": scenario},
        )
        uow.commit()
    return get_playbook(uow, principal, ght.id, scenario)
