"""The instant a request is served at, from the application's clock.

``app.state.clock`` (a function returning an aware UTC datetime) is set only by code running in the same
process, e.g. the tests that move time forward to release an exercise's injects; there is no setting, route
or environment variable to change it in a deployed application.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from cyber360.core.db import MAX_ROW_ID, utcnow
from cyber360.core.web import request_locale


def request_now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


def request_language(request: Request) -> str:
    return request_locale(request)


Now = Annotated[datetime, Depends(request_now)]
Language = Annotated[str, Depends(request_language)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
KeyPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
