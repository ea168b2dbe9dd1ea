"""Maturity assessments: their life cycle, their scores, how two of them compare, and control maturity.

An assessment measures one establishment (or a whole GHT) against one framework: each assessable
requirement gets a score on the framework's scale (0-5 for our libraries; any integer range or list of
defined levels for an imported one). Scores are normalised to 0-1 so that frameworks with different
scales can be read side by side: ``(score - minimum) / (maximum - minimum)``.

* A **domain** is a top-level node of the framework tree (a theme of the ANSSI guide, a function of NIST
  CSF). Its score is the mean normalised score of its answered requirements, as a percentage; the overall
  score is the mean over every answered requirement (not the mean of the domains, so that a domain with
  three requirements weighs less than one with twelve, as in the framework itself). Unanswered
  requirements are left out of the means and counted apart (completion).
* The **life cycle**: a draft is answered, then submitted; a validator (the GHT's manager or its
  consultant) validates it or sends it back to draft. A validated assessment is frozen: the next
  campaign is a new assessment, which the comparison sets against this one.
* **Control maturity** (0-5) is what the loss model uses: for each control of the catalogue, the mean
  normalised score of the requirements mapped to it, times five.

Pure domain: no I/O, no database, no web.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: The top of the control-maturity scale (CMMI-like 0-5, as our frameworks' scales).
MATURITY_MAX = 5.0


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"


class AssessmentAction(StrEnum):
    SUBMIT = "submit"
    VALIDATE = "validate"
    REOPEN = "reopen"


class TransitionError(ValueError):
    """The action is not possible in the assessment's current status."""

    def __init__(self, status: AssessmentStatus, action: AssessmentAction) -> None:
        super().__init__(f"cannot {action.value} an assessment in status {status.value}")
        self.status = status
        self.action = action


_TRANSITIONS: Mapping[tuple[AssessmentStatus, AssessmentAction], AssessmentStatus] = {
    (AssessmentStatus.DRAFT, AssessmentAction.SUBMIT): AssessmentStatus.SUBMITTED,
    (AssessmentStatus.SUBMITTED, AssessmentAction.VALIDATE): AssessmentStatus.VALIDATED,
    (AssessmentStatus.SUBMITTED, AssessmentAction.REOPEN): AssessmentStatus.DRAFT,
}

#: Actions that only a validator (GHT manager, granted consultant) may take.
VALIDATOR_ACTIONS = frozenset({AssessmentAction.VALIDATE, AssessmentAction.REOPEN})


def transition(status: AssessmentStatus, action: AssessmentAction) -> AssessmentStatus:
    """The status after ``action``, or ``TransitionError``."""
    try:
        return _TRANSITIONS[(status, action)]
    except KeyError:
        raise TransitionError(status, action) from None


def allowed_actions(status: AssessmentStatus) -> tuple[AssessmentAction, ...]:
    return tuple(action for (source, action) in _TRANSITIONS if source is status)


def answers_editable(status: AssessmentStatus) -> bool:
    """Answers and evidence change only while the assessment is a draft."""
    return status is AssessmentStatus.DRAFT


@dataclass(frozen=True, slots=True)
class Scale:
    """The answer scale of a framework: an integer range, optionally restricted to defined levels."""

    minimum: int
    maximum: int
    levels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.minimum >= self.maximum:
            raise ValueError(f"empty scale: {self.minimum}..{self.maximum}")

    def accepts(self, score: int) -> bool:
        if self.levels:
            return score in self.levels
        return self.minimum <= score <= self.maximum

    def normalise(self, score: int) -> float:
        """The score on 0-1."""
        if not self.accepts(score):
            raise ValueError(f"score {score} not on the scale")
        return (score - self.minimum) / (self.maximum - self.minimum)


@dataclass(frozen=True, slots=True)
class Requirement:
    """An assessable requirement as the scoring sees it: its domain and the controls it evidences."""

    urn: str
    ref_id: str
    name: str
    domain_urn: str
    controls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Domain:
    urn: str
    label: str


@dataclass(frozen=True, slots=True)
class DomainScore:
    urn: str
    label: str
    answered: int
    total: int
    percent: float | None


@dataclass(frozen=True, slots=True)
class Scores:
    """Scores of an assessment: by domain (in framework order) and overall, as percentages."""

    domains: tuple[DomainScore, ...]
    answered: int
    total: int
    percent: float | None

    @property
    def completion(self) -> float:
        return 100.0 * self.answered / self.total if self.total else 0.0


def _mean_percent(values: Sequence[float]) -> float | None:
    return round(100.0 * sum(values) / len(values), 1) if values else None


def normalised_answers(
    requirements: Iterable[Requirement], answers: Mapping[str, int | None], scale: Scale
) -> dict[str, float]:
    """Requirement urn -> normalised score (0-1), for the answered requirements only."""
    result: dict[str, float] = {}
    for requirement in requirements:
        score = answers.get(requirement.urn)
        if score is not None:
            result[requirement.urn] = scale.normalise(score)
    return result


def score_assessment(
    requirements: Sequence[Requirement],
    answers: Mapping[str, int | None],
    scale: Scale,
    domains: Sequence[Domain],
) -> Scores:
    """Scores by domain and overall (see the module docstring). Answers to unknown urns are ignored."""
    normalised = normalised_answers(requirements, answers, scale)
    by_domain: dict[str, list[Requirement]] = {}
    for requirement in requirements:
        by_domain.setdefault(requirement.domain_urn, []).append(requirement)
    lines = []
    for domain in domains:
        members = by_domain.get(domain.urn, [])
        if not members:
            continue
        values = [normalised[item.urn] for item in members if item.urn in normalised]
        lines.append(DomainScore(domain.urn, domain.label, len(values), len(members), _mean_percent(values)))
    return Scores(
        domains=tuple(lines),
        answered=len(normalised),
        total=len(requirements),
        percent=_mean_percent(list(normalised.values())),
    )


class Change(StrEnum):
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    NEWLY_ANSWERED = "newly_answered"
    NO_LONGER_ANSWERED = "no_longer_answered"
    UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class RequirementChange:
    """One requirement in two assessments, as percentages (None when unanswered)."""

    urn: str
    ref_id: str
    name: str
    before: float | None
    after: float | None
    change: Change

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What changed from a ``before`` assessment to an ``after`` one of the same framework."""

    requirements: tuple[RequirementChange, ...]
    before: Scores
    after: Scores

    def of(self, change: Change) -> tuple[RequirementChange, ...]:
        return tuple(item for item in self.requirements if item.change is change)

    @property
    def improved(self) -> tuple[RequirementChange, ...]:
        return self.of(Change.IMPROVED)

    @property
    def regressed(self) -> tuple[RequirementChange, ...]:
        return self.of(Change.REGRESSED)


def _classify(before: float | None, after: float | None) -> Change:
    if before is None and after is None:
        return Change.UNANSWERED
    if before is None:
        return Change.NEWLY_ANSWERED
    if after is None:
        return Change.NO_LONGER_ANSWERED
    if after > before:
        return Change.IMPROVED
    if after < before:
        return Change.REGRESSED
    return Change.UNCHANGED


def compare_assessments(
    requirements: Sequence[Requirement],
    before: Mapping[str, int | None],
    after: Mapping[str, int | None],
    scale: Scale,
    domains: Sequence[Domain],
) -> Comparison:
    """Requirement by requirement, what improved and what regressed between two assessments of one
    framework (requirements outside either selection of implementation groups count as unanswered)."""
    first = normalised_answers(requirements, before, scale)
    second = normalised_answers(requirements, after, scale)
    changes = []
    for requirement in requirements:
        old, new = first.get(requirement.urn), second.get(requirement.urn)
        changes.append(
            RequirementChange(
                requirement.urn,
                requirement.ref_id,
                requirement.name,
                None if old is None else round(100.0 * old, 1),
                None if new is None else round(100.0 * new, 1),
                _classify(old, new),
            )
        )
    return Comparison(
        tuple(changes),
        score_assessment(requirements, before, scale, domains),
        score_assessment(requirements, after, scale, domains),
    )


def control_maturity(evidence: Iterable[tuple[Sequence[str], float]]) -> dict[str, float]:
    """Control id -> maturity on 0-5: the mean normalised score (0-1) of the answered requirements
    mapped to the control, times five. ``evidence`` gives, per answered requirement, its controls and
    its normalised score; a control no answered requirement evidences is absent (unknown, not zero)."""
    totals: dict[str, list[float]] = {}
    for controls, value in evidence:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"normalised score out of 0-1: {value}")
        for control in dict.fromkeys(controls):
            totals.setdefault(control, []).append(value)
    return {
        control: round(MATURITY_MAX * sum(values) / len(values), 2)
        for control, values in sorted(totals.items())
    }
