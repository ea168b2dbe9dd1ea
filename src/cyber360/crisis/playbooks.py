"""Crisis playbooks: for each threat scenario, what the crisis cell does, who does it and by when.

A playbook is a YAML document (shipped in `cyber360/data/playbooks/`, one per scenario; a GHT edits its own
copy). Tasks are grouped by phase, each with a role of the crisis cell and a deadline counted from detection,
written as `30min`, `4h` or `2d`; a task may name its source (a key of the playbook's `sources`) and the
regulatory clock it closes. Loading validates everything and reports each problem with its field path, e.g.
`phases[2].tasks[0].role`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cyber360.crisis.clocks import DeadlineKind, ensure_aware_utc

Role = Literal[
    "crisis_director",
    "dsi",
    "rssi",
    "communication",
    "care_direction",
    "logistics",
    "legal_dpo",
    "insurer_contact",
    "consultant",
]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

Phase = Literal[
    "alert",
    "qualification",
    "containment",
    "continuity_of_care",
    "communication",
    "remediation",
    "return_to_normal",
    "lessons_learned",
]
PHASES: Final[tuple[Phase, ...]] = get_args(Phase)

Scenario = Literal[
    "ransomware",
    "data_breach",
    "ddos",
    "supplier_compromise",
    "medical_device_compromise",
    "accidental_outage",
]
SCENARIOS: Final[tuple[Scenario, ...]] = get_args(Scenario)

MAX_DOCUMENT_BYTES: Final = 512 * 1024
MAX_DEADLINE: Final = timedelta(days=180)

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]

_DURATION = re.compile(r"^(\d{1,6})\s*(min|h|d)$")
_UNIT_MINUTES: Final = {"min": 1, "h": 60, "d": 24 * 60}


@dataclass(frozen=True)
class FieldError:
    """One problem in a data document: where (`path`), a stable `code` for translation, and a message."""

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class CrisisDataError(ValueError):
    """A playbook or exercise document that does not validate; `errors` lists every problem found."""

    def __init__(self, origin: str, errors: Sequence[FieldError]) -> None:
        self.origin = origin
        self.errors = tuple(errors)
        super().__init__(f"{origin}: " + "; ".join(str(error) for error in self.errors))


class PlaybookError(CrisisDataError):
    pass


def format_path(location: Sequence[int | str]) -> str:
    """('phases', 2, 'tasks', 0, 'role') -> 'phases[2].tasks[0].role'."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def field_errors(error: ValidationError) -> list[FieldError]:
    """The problems of a pydantic validation, with the offending value where it helps."""
    problems = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "literal_error":
            message = f"{message}; got {item['input']!r}"
        elif item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(FieldError(format_path(item["loc"]), str(item["type"]), message))
    return problems


def load_yaml_mapping(text: str | bytes, origin: str, error_type: type[CrisisDataError]) -> dict[str, Any]:
    """A YAML document read with `safe_load`, refused unless it is a mapping of reasonable size."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_DOCUMENT_BYTES:
        limit = f"document larger than {MAX_DOCUMENT_BYTES} bytes"
        raise error_type(origin, [FieldError("", "too_large", limit)])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None)
        message = f"invalid YAML{where}" + (f": {problem}" if problem else "")
        raise error_type(origin, [FieldError("", "yaml_syntax", message)]) from None
    if not isinstance(data, dict):
        raise error_type(origin, [FieldError("", "not_a_mapping", "the document must be a YAML mapping")])
    return data


def parse_duration(value: object) -> timedelta:
    """'30min', '4h' or '2d' as a duration (a timedelta is accepted when it is in range)."""
    if isinstance(value, timedelta):
        duration = value
    else:
        match = _DURATION.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"expected a duration such as '30min', '4h' or '2d'; got {value!r}")
        duration = timedelta(minutes=int(match.group(1)) * _UNIT_MINUTES[match.group(2)])
    if not timedelta(0) <= duration <= MAX_DEADLINE:
        raise ValueError(f"must be between 0 and {MAX_DEADLINE.days} days")
    if duration % timedelta(minutes=1):
        raise ValueError("must be a whole number of minutes")
    return duration


def format_duration(duration: timedelta) -> str:
    """The inverse of `parse_duration`, in the largest exact unit: 90 min -> '90min', 48 h -> '2d'."""
    minutes = duration // timedelta(minutes=1)
    for unit in ("d", "h"):
        if minutes and minutes % _UNIT_MINUTES[unit] == 0:
            return f"{minutes // _UNIT_MINUTES[unit]}{unit}"
    return f"{minutes}min"


class DataDocument(BaseModel):
    """Base of the YAML-backed documents: unknown fields refused, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PlaybookTask(DataDocument):
    id: Identifier
    title: ShortText
    detail: LongText | None = None
    role: Role
    deadline: timedelta
    clock: DeadlineKind | None = None
    source: Identifier | None = None
    source_detail: ShortText | None = None

    @field_validator("deadline", mode="before")
    @classmethod
    def _parse_deadline(cls, value: object) -> timedelta:
        return parse_duration(value)


class PlaybookPhase(DataDocument):
    phase: Phase
    # Emptiness is checked in `_cross_checks`: pydantic's `min_length` on a tuple adds a spurious length
    # error whenever one of its items is invalid.
    tasks: tuple[PlaybookTask, ...]


class Playbook(DataDocument):
    """A scenario's playbook. Build it with `parse_playbook`, which adds the checks across fields."""

    schema_version: Literal[1]
    scenario: Scenario
    title: ShortText
    summary: LongText
    sources: dict[Identifier, ShortText] = Field(default_factory=dict)
    phases: tuple[PlaybookPhase, ...]

    def tasks(self) -> Iterator[tuple[Phase, PlaybookTask]]:
        for phase in self.phases:
            for task in phase.tasks:
                yield phase.phase, task


def _cross_checks(playbook: Playbook) -> list[FieldError]:
    problems: list[FieldError] = []
    seen_phases: set[str] = set()
    seen_tasks: set[str] = set()
    if not playbook.phases:
        problems.append(FieldError("phases", "too_short", "at least one phase is required"))
    for p, phase in enumerate(playbook.phases):
        if not phase.tasks:
            problems.append(FieldError(f"phases[{p}].tasks", "too_short", "at least one task is required"))
        if phase.phase in seen_phases:
            problems.append(FieldError(f"phases[{p}].phase", "duplicate", f"phase {phase.phase!r} repeated"))
        seen_phases.add(phase.phase)
        for t, task in enumerate(phase.tasks):
            path = f"phases[{p}].tasks[{t}]"
            if task.id in seen_tasks:
                problems.append(FieldError(f"{path}.id", "duplicate", f"task id {task.id!r} repeated"))
            seen_tasks.add(task.id)
            if task.source is not None and task.source not in playbook.sources:
                message = f"no source {task.source!r} in the playbook's sources"
                problems.append(FieldError(f"{path}.source", "unknown_source", message))
            if task.source_detail is not None and task.source is None:
                message = "source_detail given without source"
                problems.append(FieldError(f"{path}.source_detail", "missing_source", message))
    return problems


def parse_playbook(data: object, origin: str = "playbook") -> Playbook:
    """A validated playbook from already-parsed data, phases in canonical order."""
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as error:
        raise PlaybookError(origin, field_errors(error)) from None
    problems = _cross_checks(playbook)
    if problems:
        raise PlaybookError(origin, problems)
    ordered = tuple(sorted(playbook.phases, key=lambda phase: PHASES.index(phase.phase)))
    return playbook.model_copy(update={"phases": ordered})


def load_playbook(text: str | bytes, origin: str = "playbook") -> Playbook:
    """A validated playbook from YAML text (safe_load only)."""
    return parse_playbook(load_yaml_mapping(text, origin, PlaybookError), origin)


def playbook_document(playbook: Playbook) -> dict[str, Any]:
    """The playbook as plain data in the YAML layout, e.g. to store a GHT's edited copy; round-trips."""
    data = playbook.model_dump(mode="json", exclude_none=True)
    task_documents = (task for phase in data["phases"] for task in phase["tasks"])
    for document, (_, task) in zip(task_documents, playbook.tasks(), strict=True):
        document["deadline"] = format_duration(task.deadline)
    return data


def load_playbook_file(path: Path | str) -> Playbook:
    file = Path(path)
    return load_playbook(file.read_bytes(), file.name)


@cache
def _shipped() -> dict[str, Playbook]:
    folder = resources.files("cyber360").joinpath("data").joinpath("playbooks")
    playbooks: dict[str, Playbook] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        playbook = load_playbook(entry.read_bytes(), entry.name)
        if entry.name != f"{playbook.scenario}.yaml":
            problem = FieldError("scenario", "file_name", f"scenario {playbook.scenario!r} in another file")
            raise PlaybookError(entry.name, [problem])
        playbooks[playbook.scenario] = playbook
    return playbooks


def shipped_playbooks() -> dict[str, Playbook]:
    """The playbooks shipped with the product, by scenario."""
    return dict(_shipped())


def shipped_playbook(scenario: str) -> Playbook:
    playbooks = _shipped()
    if scenario not in playbooks:
        problem = FieldError("scenario", "unknown_scenario", f"no shipped playbook for {scenario!r}")
        raise PlaybookError("playbooks", [problem])
    return playbooks[scenario]


@dataclass(frozen=True)
class ScheduledTask:
    """A playbook task placed on the incident's timeline."""

    phase: Phase
    task: PlaybookTask
    due_at: datetime


def schedule_tasks(playbook: Playbook, detected_at: datetime) -> list[ScheduledTask]:
    """Every task with its absolute due time (UTC, elapsed time from detection), in playbook order."""
    detected = ensure_aware_utc(detected_at, "detected_at")
    return [ScheduledTask(phase, task, detected + task.deadline) for phase, task in playbook.tasks()]
