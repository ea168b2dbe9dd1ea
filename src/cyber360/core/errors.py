"""Errors the services raise; the web layer turns them into answers in the user's language."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a user can be shown. ``message_key`` is translated; ``params`` fill it."""

    status_code = 400

    def __init__(self, message_key: str, **params: object) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.params = params


class NotFound(DomainError):
    """The object does not exist or is outside the acting user's scope (never tell which)."""

    status_code = 404

    def __init__(self, object_type: str = "object", object_id: object = None) -> None:
        super().__init__("error.not_found", object_type=object_type, object_id=object_id)
        self.object_type = object_type
        self.object_id = object_id


class Forbidden(DomainError):
    """The object is in scope (readable) but the acting user may not do this to it."""

    status_code = 403

    def __init__(self, action: str = "") -> None:
        super().__init__("error.forbidden", action=action)
        self.action = action


class Unauthenticated(DomainError):
    """No valid session or token."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("error.unauthenticated")


class Conflict(DomainError):
    """The change collides with existing data (a duplicate FINESS number, say)."""

    status_code = 409


class TooManyAttempts(DomainError):
    """Throttled: too many failed logins for this account or address."""

    status_code = 429


class FieldError(DomainError):
    """A field's value is refused; ``field`` names it, ``message_key`` says why."""

    status_code = 422

    def __init__(self, field: str, message_key: str, **params: object) -> None:
        super().__init__(message_key, **params)
        self.field = field
