"""HTML pages of exercises: planning, the facilitator's console, the players' feed, the after-action."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from cyber360.core.errors import DomainError, Forbidden
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.core.web import PageUser, PageWriter, UowDep
from cyber360.crisis import access, exercise_service
from cyber360.crisis.clock import IdPath, KeyPath, Now
from cyber360.crisis.incident_pages import lessons_from, writable_establishments
from cyber360.crisis.page_support import FormFields, errors_of, page, see_other
from cyber360.crisis.playbooks import ROLES
from cyber360.crisis.schemas import ExerciseCreate, ExerciseEnd, ExerciseTick, ParticipantCreate

router = APIRouter()
PARTICIPANT_LINES = 9


def _new_page(request: Request, uow: UnitOfWork, principal: Principal, **extra: Any) -> HTMLResponse:
    status_code = int(extra.pop("status_code", 200))
    establishments = writable_establishments(uow, principal)
    if not establishments:
        raise Forbidden("crisis.exercise.create")
    context = {
        "establishments": establishments,
        "library": list(exercise_service.library().values()),
        "lines": range(1, PARTICIPANT_LINES + 1),
        "roles": ROLES,
        "values": {},
        **extra,
    }
    return page(request, "crisis/exercise_new.html", context, status_code=status_code)


@router.get("/crisis/exercises/new")
def exercise_new(request: Request, principal: PageUser, uow: UowDep) -> HTMLResponse:
    return _new_page(request, uow, principal)


@router.post("/crisis/exercises/new")
def exercise_create(
    request: Request, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    try:
        participants = [
            ParticipantCreate(
                name=fields[f"participant_{i}_name"].strip(), role=fields.get(f"participant_{i}_role")
            )
            for i in range(1, PARTICIPANT_LINES + 1)
            if fields.get(f"participant_{i}_name", "").strip()
        ]
        command = ExerciseCreate(
            establishment_id=fields.get("establishment_id"),
            library_id=fields.get("library_id", ""),
            title=fields.get("title", "").strip(),
            participants=participants,
        )
        exercise = exercise_service.create_exercise(uow, principal, command, now=now)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _new_page(request, uow, principal, errors=errors, values=fields, status_code=422)
    return see_other(f"/crisis/exercises/{exercise.id}?saved=created")


def _console(
    request: Request,
    principal: Principal,
    uow: UnitOfWork,
    exercise_id: int,
    now: Any,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    exercise = exercise_service.get_exercise(uow, principal, exercise_id, now=now)
    context = {
        "exercise": exercise,
        "facilitator": access.can_write(principal, exercise.ght_id, exercise.establishment_id),
        "feed": exercise_service.feed(uow, principal, exercise_id, now=now),
        "values": {},
        **extra,
    }
    return page(request, "crisis/exercise.html", context, status_code=status_code)


@router.get("/crisis/exercises/{exercise_id}")
def exercise_console(
    request: Request, exercise_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> HTMLResponse:
    """The facilitator's console (a reader without the right to run it sees the schedule only)."""
    return _console(request, principal, uow, exercise_id, now)


@router.get("/crisis/exercises/{exercise_id}/play")
def exercise_play(
    request: Request, exercise_id: IdPath, principal: PageUser, uow: UowDep, now: Now
) -> HTMLResponse:
    """The players' view: what has been released so far (the page refreshes itself)."""
    feed = exercise_service.feed(uow, principal, exercise_id, now=now)
    return page(request, "crisis/exercise_play.html", {"feed": feed})


@router.post("/crisis/exercises/{exercise_id}/start")
def exercise_start(exercise_id: IdPath, principal: PageWriter, uow: UowDep, now: Now) -> Response:
    exercise_service.start_exercise(uow, principal, exercise_id, now=now)
    return see_other(f"/crisis/exercises/{exercise_id}?saved=started")


@router.post("/crisis/exercises/{exercise_id}/injects/{inject_id}/release")
def exercise_release(
    exercise_id: IdPath, inject_id: KeyPath, principal: PageWriter, uow: UowDep, now: Now
) -> Response:
    exercise_service.release_inject(uow, principal, exercise_id, inject_id, now=now)
    return see_other(f"/crisis/exercises/{exercise_id}?saved=released#inject-{inject_id}")


@router.post("/crisis/exercises/{exercise_id}/actions/{action_id}")
def exercise_tick(
    exercise_id: IdPath, action_id: KeyPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    command = ExerciseTick(done=fields.get("done") == "yes")
    exercise_service.tick_action(uow, principal, exercise_id, action_id, command, now=now)
    return see_other(f"/crisis/exercises/{exercise_id}?saved=ticked#action-{action_id}")


@router.post("/crisis/exercises/{exercise_id}/end")
def exercise_end(
    request: Request, exercise_id: IdPath, principal: PageWriter, uow: UowDep, fields: FormFields, now: Now
) -> Response:
    try:
        command = ExerciseEnd(after_action=fields.get("after_action", ""), lessons=lessons_from(fields))
        exercise_service.end_exercise(uow, principal, exercise_id, command, now=now)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status_code in {403, 404}:
            raise
        errors = errors_of(uow, request, error)
        return _console(request, principal, uow, exercise_id, now, 422, errors=errors, values=fields)
    return see_other(f"/crisis/exercises/{exercise_id}?saved=ended")
