"""Fetching one tenant object through the acting user's scope, and auditing what was denied."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from cyber360.core.db import MAX_ROW_ID
from cyber360.core.errors import NotFound
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork

RowT = TypeVar("RowT")


def get_in_scope(
    uow: UnitOfWork,
    principal: Principal,
    row_type: type[RowT],
    object_id: int,
    scope_clause: ColumnElement[bool],
    *,
    object_type: str,
) -> RowT:
    """The row ``object_id`` if ``scope_clause`` keeps it, else ``NotFound``.

    An id that exists outside the scope is audited as a denied access (in its own commit, since the
    request that asked is about to fail); the answer is the same 404 as for an id that does not exist.
    """
    if not 1 <= object_id <= MAX_ROW_ID:
        raise NotFound(object_type, object_id)
    id_column: Any = getattr(row_type, "id")  # noqa: B009
    row = uow.session.execute(
        select(row_type).where(id_column == object_id, scope_clause)
    ).scalar_one_or_none()
    if row is not None:
        return row
    exists = uow.session.execute(select(id_column).where(id_column == object_id)).first() is not None
    if exists:
        uow.rollback()
        uow.audit(principal, "access.denied", object_type=object_type, object_id=object_id)
        uow.commit()
    raise NotFound(object_type, object_id)
