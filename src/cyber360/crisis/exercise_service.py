"""Crisis exercises: a library scenario played by an establishment's crisis cell against the clock.

STARTEX is the instant the facilitator starts the exercise; an inject is released when its offset has
elapsed at ``now`` (the caller's clock, which tests can set) or earlier by the facilitator's hand. The
facilitator's view carries the notes and expected actions; the players' feed only what was released.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from cyber360.core.db import utcnow
from cyber360.core.errors import Conflict, FieldError, NotFound
from cyber360.core.scope import Principal
from cyber360.core.uow import UnitOfWork
from cyber360.crisis import access
from cyber360.crisis.exercises import Exercise, inject_schedule, score_exercise, shipped_exercises
from cyber360.crisis.lesson_service import add_lessons, lessons_of
from cyber360.crisis.schemas import (
    ExerciseCreate,
    ExerciseEnd,
    ExerciseFeed,
    ExercisePublic,
    ExerciseSummary,
    ExerciseTick,
    ExpectedActionPublic,
    FeedInject,
    InjectPublic,
    ParticipantPublic,
    ScorePublic,
)
from cyber360.crisis.tables import (
    ExerciseParticipantRow,
    ExerciseReleaseRow,
    ExerciseRow,
    ExerciseTickRow,
    LessonRow,
)
from cyber360.org.tables import EstablishmentRow


def library() -> dict[str, Exercise]:
    return shipped_exercises()


def _scenario(row: ExerciseRow) -> Exercise:
    exercise = library().get(row.library_id)
    if exercise is None:  # a library entry withdrawn since: the exercise cannot be shown
        raise NotFound("exercise", row.id)
    return exercise


def _summary(uow: UnitOfWork, row: ExerciseRow) -> ExerciseSummary:
    establishment = uow.session.get(EstablishmentRow, row.establishment_id)
    return ExerciseSummary(
        id=row.id,
        ght_id=row.ght_id,
        establishment_id=row.establishment_id,
        establishment_name=establishment.name if establishment else "",
        library_id=row.library_id,
        scenario=_scenario(row).scenario,
        title=row.title,
        status=row.status,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )


def _by_hand(uow: UnitOfWork, exercise_id: int) -> dict[str, datetime]:
    rows = uow.session.execute(
        select(ExerciseReleaseRow).where(ExerciseReleaseRow.exercise_id == exercise_id)
    )
    return {row.inject_key: row.released_at for row in rows.scalars()}


def _ticked(uow: UnitOfWork, exercise_id: int) -> set[str]:
    rows = uow.session.execute(
        select(ExerciseTickRow.action_key).where(ExerciseTickRow.exercise_id == exercise_id)
    )
    return set(rows.scalars())


def releases(
    exercise: Exercise, row: ExerciseRow, by_hand: dict[str, datetime], now: datetime
) -> dict[str, tuple[datetime, bool]]:
    """Inject id -> (release instant, released by hand) for the injects released at ``now``."""
    if row.started_at is None:
        return {}
    horizon = min(now, row.ended_at) if row.ended_at else now
    released: dict[str, tuple[datetime, bool]] = {}
    for item in inject_schedule(exercise, row.started_at):
        scheduled = item.release_at if item.release_at <= horizon else None
        hand = by_hand.get(item.inject.id)
        if hand is not None and (scheduled is None or hand < scheduled):
            released[item.inject.id] = (hand, True)
        elif scheduled is not None:
            released[item.inject.id] = (scheduled, False)
    return released


def _next_release(exercise: Exercise, row: ExerciseRow, released: dict[str, object]) -> datetime | None:
    if row.status != "running" or row.started_at is None:
        return None
    pending = [i.release_at for i in inject_schedule(exercise, row.started_at) if i.inject.id not in released]
    return min(pending, default=None)


def _public(uow: UnitOfWork, principal: Principal, row: ExerciseRow, now: datetime) -> ExercisePublic:
    exercise = _scenario(row)
    facilitator = access.can_write(principal, row.ght_id, row.establishment_id)
    released = releases(exercise, row, _by_hand(uow, row.id), now)
    ticked = _ticked(uow, row.id)
    schedule = (
        {item.inject.id: item.release_at for item in inject_schedule(exercise, row.started_at)}
        if (row.started_at)
        else {}
    )
    score = score_exercise(exercise, ticked)
    participants = uow.session.execute(
        select(ExerciseParticipantRow)
        .where(ExerciseParticipantRow.exercise_id == row.id)
        .order_by(ExerciseParticipantRow.id)
    ).scalars()
    injects = [
        InjectPublic(
            id=inject.id,
            offset_minutes=inject.offset_minutes,
            scheduled_at=schedule.get(inject.id),
            released_at=released[inject.id][0] if inject.id in released else None,
            released_by_hand=released[inject.id][1] if inject.id in released else False,
            title=inject.title,
            channel=inject.channel,
            target_roles=list(inject.target_roles),
            content=inject.content,
            facilitator_notes=inject.facilitator_notes if facilitator else None,
            expected_actions=[
                ExpectedActionPublic(
                    id=action.id,
                    role=action.role,
                    description=action.description,
                    points=action.points,
                    ticked=action.id in ticked,
                )
                for action in inject.expected_actions
            ]
            if facilitator
            else [],
        )
        for inject in exercise.injects
    ]
    return ExercisePublic(
        **_summary(uow, row).model_dump(),
        duration_minutes=exercise.duration_minutes,
        objectives=list(exercise.objectives),
        participants=[ParticipantPublic.model_validate(p, from_attributes=True) for p in participants],
        injects=injects,
        score=ScorePublic(
            earned=score.overall.earned,
            possible=score.overall.possible,
            ratio=round(score.overall.ratio, 4),
            by_role={role: (value.earned, value.possible) for role, value in score.by_role.items()},
        ),
        after_action=row.after_action,
        lessons=lessons_of(uow, LessonRow.exercise_id, row.id),
    )


def list_exercises(uow: UnitOfWork, principal: Principal) -> list[ExerciseSummary]:
    clause = access.read_clause(principal, ExerciseRow.establishment_id, ExerciseRow.ght_id)
    statement = select(ExerciseRow).where(clause).order_by(ExerciseRow.created_at.desc(), ExerciseRow.id)
    return [_summary(uow, row) for row in uow.session.execute(statement).scalars()]


def get_exercise(
    uow: UnitOfWork, principal: Principal, exercise_id: int, *, now: datetime | None = None
) -> ExercisePublic:
    """The facilitator's view (notes and expected actions only for those who run the exercise)."""
    return _public(uow, principal, access.exercise_row(uow, principal, exercise_id), now or utcnow())


def feed(
    uow: UnitOfWork, principal: Principal, exercise_id: int, *, now: datetime | None = None
) -> ExerciseFeed:
    """The players' view: the injects released so far, latest first."""
    now = now or utcnow()
    row = access.exercise_row(uow, principal, exercise_id)
    exercise = _scenario(row)
    released = releases(exercise, row, _by_hand(uow, row.id), now)
    items = [
        FeedInject(
            id=inject.id,
            title=inject.title,
            channel=inject.channel,
            target_roles=list(inject.target_roles),
            content=inject.content,
            released_at=released[inject.id][0],
        )
        for inject in exercise.injects
        if inject.id in released
    ]
    items.sort(key=lambda item: item.released_at, reverse=True)
    return ExerciseFeed(
        id=row.id,
        title=row.title,
        status=row.status,
        started_at=row.started_at,
        injects=items,
        next_release_at=_next_release(exercise, row, dict(released)),
    )


def _audit(uow: UnitOfWork, principal: Principal, row: ExerciseRow, action: str, **values: object) -> None:
    uow.audit(principal, action, object_type="exercise", object_id=row.id, ght_id=row.ght_id, **values)


def create_exercise(
    uow: UnitOfWork, principal: Principal, command: ExerciseCreate, *, now: datetime | None = None
) -> ExercisePublic:
    now = now or utcnow()
    establishment = access.referenced_establishment(uow, principal, command.establishment_id)
    access.require_write(principal, establishment.ght_id, establishment.id, "crisis.exercise.create")
    exercise = library().get(command.library_id)
    if exercise is None:
        raise FieldError("library_id", "error.unknown_id")
    row = ExerciseRow(
        ght_id=establishment.ght_id,
        establishment_id=establishment.id,
        library_id=exercise.id,
        title=command.title or exercise.title,
        status="planned",
        created_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    for participant in command.participants:
        uow.session.add(
            ExerciseParticipantRow(
                exercise_id=row.id, ght_id=row.ght_id, name=participant.name, role=participant.role
            )
        )
    _audit(
        uow,
        principal,
        row,
        "crisis.exercise.created",
        after={"library_id": exercise.id, "participants": len(command.participants)},
    )
    uow.commit()
    return _public(uow, principal, row, now)


def _writable(
    uow: UnitOfWork, principal: Principal, exercise_id: int, action: str, *states: str
) -> ExerciseRow:
    row = access.exercise_row(uow, principal, exercise_id)
    access.require_write(principal, row.ght_id, row.establishment_id, action)
    if row.status not in states:
        raise Conflict("error.crisis_exercise_state")
    return row


def start_exercise(
    uow: UnitOfWork, principal: Principal, exercise_id: int, *, now: datetime | None = None
) -> ExercisePublic:
    """STARTEX: the chronogramme runs from now."""
    now = now or utcnow()
    row = _writable(uow, principal, exercise_id, "crisis.exercise.start", "planned")
    row.status, row.started_at = "running", now
    _audit(uow, principal, row, "crisis.exercise.started", after={"started_at": now})
    uow.commit()
    return _public(uow, principal, row, now)


def release_inject(
    uow: UnitOfWork, principal: Principal, exercise_id: int, inject_id: str, *, now: datetime | None = None
) -> ExercisePublic:
    """Release an inject by hand before its time (nothing happens if it is already out)."""
    now = now or utcnow()
    row = _writable(uow, principal, exercise_id, "crisis.exercise.release", "running")
    exercise = _scenario(row)
    if inject_id not in {inject.id for inject in exercise.injects}:
        raise NotFound("inject", inject_id)
    if inject_id not in releases(exercise, row, _by_hand(uow, row.id), now):
        uow.session.add(
            ExerciseReleaseRow(exercise_id=row.id, ght_id=row.ght_id, inject_key=inject_id, released_at=now)
        )
        _audit(uow, principal, row, "crisis.exercise.inject_released", after={"inject": inject_id})
        uow.commit()
    return _public(uow, principal, row, now)


def tick_action(
    uow: UnitOfWork,
    principal: Principal,
    exercise_id: int,
    action_id: str,
    command: ExerciseTick,
    *,
    now: datetime | None = None,
) -> ExercisePublic:
    """The observers saw an expected action done (or take the tick back)."""
    now = now or utcnow()
    row = _writable(uow, principal, exercise_id, "crisis.exercise.tick", "running")
    if action_id not in {action.id for _, action in _scenario(row).actions()}:
        raise NotFound("expected_action", action_id)
    ticked = action_id in _ticked(uow, row.id)
    if command.done and not ticked:
        uow.session.add(
            ExerciseTickRow(
                exercise_id=row.id,
                ght_id=row.ght_id,
                action_key=action_id,
                ticked_at=now,
                ticked_by=principal.display_name[:200],
            )
        )
    elif not command.done and ticked:
        uow.session.execute(
            delete(ExerciseTickRow).where(
                ExerciseTickRow.exercise_id == row.id, ExerciseTickRow.action_key == action_id
            )
        )
    if command.done != ticked:
        _audit(
            uow, principal, row, "crisis.exercise.ticked", after={"action": action_id, "done": command.done}
        )
        uow.commit()
    return _public(uow, principal, row, now)


def end_exercise(
    uow: UnitOfWork,
    principal: Principal,
    exercise_id: int,
    command: ExerciseEnd,
    *,
    now: datetime | None = None,
) -> ExercisePublic:
    """ENDEX with the after-action report; its lessons become actions."""
    now = now or utcnow()
    row = _writable(uow, principal, exercise_id, "crisis.exercise.end", "running")
    row.status, row.ended_at, row.after_action = "ended", now, command.after_action
    add_lessons(uow, row.ght_id, row.establishment_id, command.lessons, exercise_id=row.id)
    score = score_exercise(_scenario(row), _ticked(uow, row.id))
    _audit(
        uow,
        principal,
        row,
        "crisis.exercise.ended",
        after={"score": [score.overall.earned, score.overall.possible], "lessons": len(command.lessons)},
    )
    uow.commit()
    return _public(uow, principal, row, now)
