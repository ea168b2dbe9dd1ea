"""The unit of work: one transaction per request or command, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cyber360.core import audit
from cyber360.core.audit import Actor
from cyber360.core.scope import Principal


class UnitOfWork:
    """A transaction and the context that the audit trail needs (request id, client address).

    Leaving the ``with`` block without ``commit()`` rolls everything back, audit records included,
    so a failed command leaves nothing half-written.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, request_id: str = "", ip_address: str = ""):
        self._session_factory = session_factory
        self.request_id = request_id
        self.ip_address = ip_address
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def audit(
        self,
        actor: Principal | Actor,
        action: str,
        *,
        object_type: str = "",
        object_id: object = "",
        ght_id: int | None = None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Write an audit record in this transaction."""
        if isinstance(actor, Principal):
            actor = Actor(actor.user_id, actor.email, actor.organisation_id)
        audit.append(
            self.session,
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            ght_id=ght_id,
            before=before,
            after=after,
            request_id=self.request_id,
            ip_address=self.ip_address,
        )
