"""Crisis plans: the crisis cell, out-of-band and external contacts, critical applications, the plan blanc.

Each use case takes a unit of work, the acting user and a command; reads are filtered by the crisis scope
(``access.read_clause``), writes need ``access.can_write``, every change is audited in its transaction.
Personal phones leave this module only through ``list_contacts`` (or the crisis kit), for crisis roles,
and each such view writes an audit record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from cyber360.core.db import utcnow
from cyber360.core.errors import FieldError, NotFound
from cyber360.core.scope import Principal
from cyber360.core.scoped import get_in_scope
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access
from cyber360.crisis.labels import CONTACT_CATEGORY_LABELS
from cyber360.crisis.playbooks import ROLES
from cyber360.crisis.schemas import (
    CLINICAL_SERVICES,
    ApplicationCreate,
    ApplicationPublic,
    CellMemberPublic,
    CellMemberSet,
    ContactCreate,
    ContactPublic,
    PlanCreate,
    PlanPublic,
    PlanSummary,
    PlanUpdate,
)
from cyber360.crisis.tables import CrisisApplicationRow, CrisisCellMemberRow, CrisisContactRow, CrisisPlanRow
from cyber360.org.tables import EstablishmentRow, GhtRow

_PLAN_FIELDS = ("plan_blanc_reference", "plan_blanc_link", "fallback_room")


def plan_row(uow: UnitOfWork, principal: Principal, plan_id: int) -> CrisisPlanRow:
    clause = access.read_clause(principal, CrisisPlanRow.establishment_id, CrisisPlanRow.ght_id)
    return get_in_scope(uow, principal, CrisisPlanRow, plan_id, clause, object_type="crisis_plan")


def _scope_name(uow: UnitOfWork, row: CrisisPlanRow) -> str:
    if row.establishment_id is not None:
        establishment = uow.session.get(EstablishmentRow, row.establishment_id)
        return establishment.name if establishment else ""
    ght = uow.session.get(GhtRow, row.ght_id)
    return ght.name if ght else ""


def _summary(uow: UnitOfWork, row: CrisisPlanRow) -> PlanSummary:
    return PlanSummary(
        id=row.id,
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        scope_name=_scope_name(uow, row),
        updated_at=row.updated_at,
    )


def list_plans(uow: UnitOfWork, principal: Principal) -> list[PlanSummary]:
    clause = access.read_clause(principal, CrisisPlanRow.establishment_id, CrisisPlanRow.ght_id)
    rows = uow.session.execute(select(CrisisPlanRow).where(clause).order_by(CrisisPlanRow.id)).scalars()
    return sorted((_summary(uow, row) for row in rows), key=lambda plan: (plan.ght_id, plan.scope_name))


def _contact(row: CrisisContactRow, reveal: bool) -> ContactPublic:
    return ContactPublic(
        id=row.id,
        category=row.category,
        name=row.name,
        function=row.function,
        phone=row.phone,
        email=row.email,
        notes=row.notes,
        has_personal_phone=bool(row.personal_phone),
        personal_phone=row.personal_phone if reveal and row.personal_phone else None,
    )


def _children(uow: UnitOfWork, row_type: Any, plan_id: int, *order: Any) -> list[Any]:
    statement = select(row_type).where(row_type.plan_id == plan_id).order_by(*order, row_type.id)
    return list(uow.session.execute(statement).scalars())


def _ordered_contacts(uow: UnitOfWork, plan_id: int) -> list[CrisisContactRow]:
    """Internal contacts first, then the external ones in the order of ``CONTACT_CATEGORY_LABELS``."""
    order = list(CONTACT_CATEGORY_LABELS)
    return sorted(
        _children(uow, CrisisContactRow, plan_id), key=lambda contact: order.index(contact.category)
    )


def _public(uow: UnitOfWork, row: CrisisPlanRow) -> PlanPublic:
    cell = sorted(
        _children(uow, CrisisCellMemberRow, row.id),
        key=lambda member: ROLES.index(member.role) if member.role in ROLES else len(ROLES),
    )
    applications = sorted(
        _children(uow, CrisisApplicationRow, row.id, CrisisApplicationRow.name),
        key=lambda app: CLINICAL_SERVICES.index(app.clinical_service),
    )
    return PlanPublic(
        **_summary(uow, row).model_dump(),
        **{name: getattr(row, name) for name in _PLAN_FIELDS},
        cell=[CellMemberPublic.model_validate(member, from_attributes=True) for member in cell],
        applications=[ApplicationPublic.model_validate(app, from_attributes=True) for app in applications],
        contacts=[_contact(contact, reveal=False) for contact in _ordered_contacts(uow, row.id)],
    )


def get_plan(uow: UnitOfWork, principal: Principal, plan_id: int) -> PlanPublic:
    """The plan; personal phones are never in it (see ``list_contacts``)."""
    return _public(uow, plan_row(uow, principal, plan_id))


def plan_of_establishment(
    uow: UnitOfWork, principal: Principal, establishment_id: int
) -> CrisisPlanRow | None:
    """The plan of an establishment the reader may see (the establishment must be in scope)."""
    clause = access.read_clause(principal, CrisisPlanRow.establishment_id, CrisisPlanRow.ght_id)
    statement = select(CrisisPlanRow).where(CrisisPlanRow.establishment_id == establishment_id, clause)
    return uow.session.execute(statement).scalar_one_or_none()


def _audit(uow: UnitOfWork, principal: Principal, row: CrisisPlanRow, action: str, **values: Any) -> None:
    uow.audit(principal, action, object_type="crisis_plan", object_id=row.id, ght_id=row.ght_id, **values)


def create_plan(uow: UnitOfWork, principal: Principal, command: PlanCreate) -> PlanPublic:
    """A new, empty plan for an establishment or for the whole GHT (one each)."""
    if command.establishment_id is not None:
        establishment = access.referenced_establishment(uow, principal, command.establishment_id)
        ght_id, establishment_id = establishment.ght_id, establishment.id
        existing = select(CrisisPlanRow.id).where(CrisisPlanRow.establishment_id == establishment_id)
    else:
        assert command.ght_id is not None
        ght_id, establishment_id = access.referenced_ght(uow, principal, command.ght_id).id, None
        existing = select(CrisisPlanRow.id).where(
            CrisisPlanRow.ght_id == ght_id, CrisisPlanRow.establishment_id.is_(None)
        )
    access.require_write(principal, ght_id, establishment_id, "crisis.plan.create")
    if uow.session.execute(existing).first() is not None:
        raise FieldError("establishment_id" if establishment_id else "ght_id", "error.crisis_plan_exists")
    now = utcnow()
    row = CrisisPlanRow(
        ght_id=ght_id,
        establishment_id=establishment_id,
        created_at=now,
        updated_at=now,
        **{name: getattr(command, name) for name in _PLAN_FIELDS},
    )
    uow.session.add(row)
    uow.session.flush()
    _audit(uow, principal, row, "crisis.plan.created", after={"establishment_id": establishment_id})
    uow.commit()
    return _public(uow, row)


def _writable_plan(uow: UnitOfWork, principal: Principal, plan_id: int, action: str) -> CrisisPlanRow:
    row = plan_row(uow, principal, plan_id)
    access.require_write(principal, row.ght_id, row.establishment_id, action)
    return row


def update_plan(uow: UnitOfWork, principal: Principal, plan_id: int, command: PlanUpdate) -> PlanPublic:
    row = _writable_plan(uow, principal, plan_id, "crisis.plan.update")
    changes = command.model_dump(exclude_unset=True, exclude_none=True)
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    _audit(uow, principal, row, "crisis.plan.updated", before=before, after=changes)
    uow.commit()
    return _public(uow, row)


def set_cell_member(
    uow: UnitOfWork, principal: Principal, plan_id: int, command: CellMemberSet
) -> PlanPublic:
    """Name the holder and deputy of a role of the crisis cell (replacing the previous ones)."""
    row = _writable_plan(uow, principal, plan_id, "crisis.cell.set")
    member = uow.session.execute(
        select(CrisisCellMemberRow).where(
            CrisisCellMemberRow.plan_id == row.id, CrisisCellMemberRow.role == command.role
        )
    ).scalar_one_or_none()
    values = command.model_dump(exclude={"role"})
    before = None
    if member is None:
        member = CrisisCellMemberRow(
            plan_id=row.id, ght_id=row.ght_id, establishment_id=row.establishment_id, role=command.role
        )
        uow.session.add(member)
    else:
        before = {name: getattr(member, name) for name in values}
    for name, value in values.items():
        setattr(member, name, value)
    row.updated_at = utcnow()
    uow.session.flush()
    _audit(uow, principal, row, "crisis.cell.set", before=before, after={"role": command.role, **values})
    uow.commit()
    return _public(uow, row)


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    """A contact as written in the audit trail: the personal phone is not copied there."""
    return {**values, "personal_phone": "***" if values.get("personal_phone") else ""}


def add_contact(uow: UnitOfWork, principal: Principal, plan_id: int, command: ContactCreate) -> ContactPublic:
    row = _writable_plan(uow, principal, plan_id, "crisis.contact.add")
    contact = CrisisContactRow(
        plan_id=row.id, ght_id=row.ght_id, establishment_id=row.establishment_id, **command.model_dump()
    )
    uow.session.add(contact)
    row.updated_at = utcnow()
    uow.session.flush()
    _audit(
        uow, principal, row, "crisis.contact.added", after={"id": contact.id, **_masked(command.model_dump())}
    )
    uow.commit()
    return _contact(contact, reveal=False)


def remove_contact(uow: UnitOfWork, principal: Principal, plan_id: int, contact_id: int) -> None:
    row = _writable_plan(uow, principal, plan_id, "crisis.contact.remove")
    contact = uow.session.get(CrisisContactRow, contact_id)
    if contact is None or contact.plan_id != row.id:
        raise NotFound("crisis_contact", contact_id)
    before = _masked(
        {
            "id": contact.id,
            "category": contact.category,
            "name": contact.name,
            "personal_phone": contact.personal_phone,
        }
    )
    uow.session.execute(delete(CrisisContactRow).where(CrisisContactRow.id == contact.id))
    row.updated_at = utcnow()
    _audit(uow, principal, row, "crisis.contact.removed", before=before)
    uow.commit()


def add_application(
    uow: UnitOfWork, principal: Principal, plan_id: int, command: ApplicationCreate
) -> ApplicationPublic:
    row = _writable_plan(uow, principal, plan_id, "crisis.application.add")
    application = CrisisApplicationRow(
        plan_id=row.id, ght_id=row.ght_id, establishment_id=row.establishment_id, **command.model_dump()
    )
    uow.session.add(application)
    row.updated_at = utcnow()
    uow.session.flush()
    _audit(
        uow, principal, row, "crisis.application.added", after={"id": application.id, **command.model_dump()}
    )
    uow.commit()
    return ApplicationPublic.model_validate(application, from_attributes=True)


def remove_application(uow: UnitOfWork, principal: Principal, plan_id: int, application_id: int) -> None:
    row = _writable_plan(uow, principal, plan_id, "crisis.application.remove")
    application = uow.session.get(CrisisApplicationRow, application_id)
    if application is None or application.plan_id != row.id:
        raise NotFound("crisis_application", application_id)
    before = ApplicationPublic.model_validate(application, from_attributes=True).model_dump()
    uow.session.execute(delete(CrisisApplicationRow).where(CrisisApplicationRow.id == application.id))
    row.updated_at = utcnow()
    _audit(uow, principal, row, "crisis.application.removed", before=before)
    uow.commit()


def reveal_contacts(
    uow: UnitOfWork, principal: Principal, row: CrisisPlanRow, purpose: str
) -> tuple[list[ContactPublic], bool]:
    """The plan's contacts, with personal phones for crisis roles; such a view is audited and committed."""
    contacts = _ordered_contacts(uow, row.id)
    reveal = access.can_see_personal_phones(principal, row.ght_id, row.establishment_id)
    shown = [contact.id for contact in contacts if reveal and contact.personal_phone]
    if shown:
        _audit(
            uow,
            principal,
            row,
            "crisis.personal_phones.viewed",
            after={"contacts": shown, "purpose": purpose},
        )
        uow.commit()
    return [_contact(contact, reveal) for contact in contacts], reveal


def list_contacts(uow: UnitOfWork, principal: Principal, plan_id: int) -> list[ContactPublic]:
    """Every contact of the plan; personal phones for crisis roles only, each view audited."""
    contacts, _ = reveal_contacts(uow, principal, plan_row(uow, principal, plan_id), "contacts")
    return contacts
