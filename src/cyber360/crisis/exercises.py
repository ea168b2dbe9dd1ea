"""Crisis exercises: a scenario played against the clock from a chronogramme of injects.

An exercise (shipped in `cyber360/data/exercises/`) is a YAML document: injects released at a given offset in
minutes from the start of play (STARTEX), each with its content, the roles it is addressed to and the actions
the facilitator expects, worth points. Scoring counts the expected actions the observers ticked, per role of
the crisis cell and overall.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from cyber360.crisis.clocks import ensure_aware_utc
from cyber360.crisis.playbooks import (
    CrisisDataError,
    DataDocument,
    FieldError,
    Identifier,
    LongText,
    Role,
    Scenario,
    ShortText,
    field_errors,
    load_yaml_mapping,
)

Channel = Literal["phone", "email", "sms", "in_person", "press", "social_media", "paper", "radio"]


class ExerciseError(CrisisDataError):
    pass


class ExpectedAction(DataDocument):
    id: Identifier
    role: Role
    description: ShortText
    points: int = Field(ge=1, le=100)


class Inject(DataDocument):
    id: Identifier
    offset_minutes: int = Field(ge=0, le=7 * 24 * 60)
    title: ShortText
    channel: Channel
    target_roles: tuple[Role, ...]
    content: LongText
    facilitator_notes: LongText | None = None
    expected_actions: tuple[ExpectedAction, ...] = ()


class Exercise(DataDocument):
    """A scenario's exercise. Build it with `parse_exercise`, which adds the checks across fields."""

    schema_version: Literal[1]
    id: Identifier
    scenario: Scenario
    title: ShortText
    summary: LongText
    duration_minutes: int = Field(ge=15, le=7 * 24 * 60)
    objectives: tuple[ShortText, ...] = ()
    sources: dict[Identifier, ShortText] = Field(default_factory=dict)
    injects: tuple[Inject, ...]

    def actions(self) -> Iterator[tuple[Inject, ExpectedAction]]:
        for inject in self.injects:
            for action in inject.expected_actions:
                yield inject, action


def _cross_checks(exercise: Exercise) -> list[FieldError]:
    problems: list[FieldError] = []
    seen: set[str] = set()
    previous_offset = 0
    if not exercise.injects:
        problems.append(FieldError("injects", "too_short", "at least one inject is required"))
    for i, inject in enumerate(exercise.injects):
        path = f"injects[{i}]"
        if inject.id in seen:
            problems.append(FieldError(f"{path}.id", "duplicate", f"id {inject.id!r} repeated"))
        seen.add(inject.id)
        if inject.offset_minutes < previous_offset:
            message = f"{inject.offset_minutes} comes before the previous inject ({previous_offset})"
            problems.append(FieldError(f"{path}.offset_minutes", "not_chronological", message))
        if inject.offset_minutes > exercise.duration_minutes:
            message = f"after the end of the exercise ({exercise.duration_minutes} minutes)"
            problems.append(FieldError(f"{path}.offset_minutes", "after_end", message))
        previous_offset = max(previous_offset, inject.offset_minutes)
        if not inject.target_roles:
            problems.append(FieldError(f"{path}.target_roles", "too_short", "at least one role is required"))
        if len(set(inject.target_roles)) != len(inject.target_roles):
            problems.append(FieldError(f"{path}.target_roles", "duplicate", "a role is listed twice"))
        for a, action in enumerate(inject.expected_actions):
            if action.id in seen:
                message = f"id {action.id!r} repeated"
                problems.append(FieldError(f"{path}.expected_actions[{a}].id", "duplicate", message))
            seen.add(action.id)
    return problems


def parse_exercise(data: object, origin: str = "exercise") -> Exercise:
    """A validated exercise from already-parsed data."""
    try:
        exercise = Exercise.model_validate(data)
    except ValidationError as error:
        raise ExerciseError(origin, field_errors(error)) from None
    problems = _cross_checks(exercise)
    if problems:
        raise ExerciseError(origin, problems)
    if not any(True for _ in exercise.actions()):
        raise ExerciseError(origin, [FieldError("injects", "no_actions", "no expected action to score")])
    return exercise


def load_exercise(text: str | bytes, origin: str = "exercise") -> Exercise:
    """A validated exercise from YAML text (safe_load only)."""
    return parse_exercise(load_yaml_mapping(text, origin, ExerciseError), origin)


def load_exercise_file(path: Path | str) -> Exercise:
    file = Path(path)
    return load_exercise(file.read_bytes(), file.name)


@cache
def _shipped() -> dict[str, Exercise]:
    folder = resources.files("cyber360").joinpath("data").joinpath("exercises")
    exercises: dict[str, Exercise] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".yaml"):
            exercise = load_exercise(entry.read_bytes(), entry.name)
            if exercise.id in exercises:
                raise ExerciseError(
                    entry.name, [FieldError("id", "duplicate", f"id {exercise.id!r} repeated")]
                )
            exercises[exercise.id] = exercise
    return exercises


def shipped_exercises() -> dict[str, Exercise]:
    """The exercise library shipped with the product, by exercise id."""
    return dict(_shipped())


@dataclass(frozen=True)
class ScheduledInject:
    inject: Inject
    release_at: datetime


def inject_schedule(exercise: Exercise, started_at: datetime) -> list[ScheduledInject]:
    """The chronogramme on the clock: each inject with its release time (UTC) after STARTEX."""
    start = ensure_aware_utc(started_at, "started_at")
    return [ScheduledInject(i, start + timedelta(minutes=i.offset_minutes)) for i in exercise.injects]


def due_injects(exercise: Exercise, started_at: datetime, now: datetime) -> list[Inject]:
    """The injects whose release time has come at `now` (the facilitator may also release one by hand)."""
    current = ensure_aware_utc(now, "now")
    return [item.inject for item in inject_schedule(exercise, started_at) if item.release_at <= current]


@dataclass(frozen=True)
class Score:
    earned: int
    possible: int

    @property
    def ratio(self) -> float:
        """Share of the possible points earned, 0.0 to 1.0."""
        return self.earned / self.possible if self.possible else 0.0


@dataclass(frozen=True)
class ExerciseScore:
    overall: Score
    by_role: dict[str, Score]
    missed: tuple[str, ...]


def score_exercise(exercise: Exercise, ticked: Iterable[str]) -> ExerciseScore:
    """Score from the ids of the expected actions the observers ticked; an unknown id is refused."""
    done = set(ticked)
    known = {action.id for _, action in exercise.actions()}
    unknown = sorted(done - known)
    if unknown:
        message = f"not an expected action of this exercise: {', '.join(unknown)}"
        raise ExerciseError(exercise.id, [FieldError("ticked", "unknown_action", message)])
    earned: dict[str, int] = {}
    possible: dict[str, int] = {}
    missed = []
    for _, action in exercise.actions():
        possible[action.role] = possible.get(action.role, 0) + action.points
        gained = action.points if action.id in done else 0
        earned[action.role] = earned.get(action.role, 0) + gained
        if not gained:
            missed.append(action.id)
    by_role = {role: Score(earned[role], possible[role]) for role in possible}
    overall = Score(sum(earned.values()), sum(possible.values()))
    return ExerciseScore(overall, by_role, tuple(missed))
