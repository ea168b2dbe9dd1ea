"""The one error the engine raises for unusable input: it names the field and the reason."""

from __future__ import annotations


def join_path(prefix: str, field: str) -> str:
    """Join a field path as written: ``scenarios[0]`` + ``frequency`` -> ``scenarios[0].frequency``."""
    if not prefix:
        return field
    if not field:
        return prefix
    if field.startswith("["):
        return prefix + field
    return f"{prefix}.{field}"


class ModelError(ValueError):
    """An input the engine cannot use.

    ``path`` names the offending field the way a model file spells it
    (``scenarios[0].frequency.pert.high``) and ``reason`` says what is wrong (``must be >= mode``).
    Constructors raise it with a path relative to themselves; whoever builds the enclosing object
    prefixes its own position with :meth:`within`, so the final message points at the exact field.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)

    def within(self, prefix: str) -> ModelError:
        """The same error seen from the enclosing object, whose field is ``prefix``."""
        return ModelError(join_path(prefix, self.path), self.reason)
