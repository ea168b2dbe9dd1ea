"""Imports every area's tables so that the metadata (and Alembic) sees the whole schema."""

from cyber360.assess import tables as _assess  # noqa: F401
from cyber360.core import audit as _audit  # noqa: F401
from cyber360.cover import tables as _cover  # noqa: F401
from cyber360.crisis import tables as _crisis  # noqa: F401
from cyber360.org import tables as _org  # noqa: F401
from cyber360.risk import tables as _risk  # noqa: F401
