"""Candidate actions of the plan and their return: annual loss avoided per euro of annualised cost."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cyber360.risk.catalogue import RiskCatalogue, load_catalogue

if TYPE_CHECKING:
    from cyber360.risk.model import EstablishmentProfile


@dataclass(frozen=True)
class CandidateAction:
    """Raise one control from ``from_level`` to ``to_level``, at a one-off and a yearly cost (euros)."""

    control_id: str
    from_level: float
    to_level: float
    one_off_eur: float
    yearly_eur: float
    name_fr: str
    name_en: str

    def maturity_after(self, maturity: Mapping[str, float]) -> dict[str, float]:
        """The maturities once the action is done."""
        return {**maturity, self.control_id: self.to_level}

    def annualised_cost(self, years_of_amortisation: float = 5) -> float:
        return self.one_off_eur / years_of_amortisation + self.yearly_eur

    def label(self, language: str = "fr") -> str:
        name = self.name_fr if language == "fr" else self.name_en
        word = "niveau" if language == "fr" else "level"
        return f"{name} : {word} {_level(self.from_level)} → {_level(self.to_level)}"


@dataclass(frozen=True)
class RankedAction:
    action: CandidateAction
    aal_after: float
    avoided_eur: float
    annualised_cost_eur: float
    return_per_euro: float


def _level(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def size_factor(profile: EstablishmentProfile | None, catalogue: RiskCatalogue) -> float:
    """Costs are written for the reference establishment; they scale as (beds / reference beds)^exponent
    (economics.asset_size_exponent: the same economies of scale as the IT estate, an assumption)."""
    if profile is None:
        return 1.0
    ratio = profile.beds / catalogue.number("reference_establishment.beds")
    return float(ratio ** catalogue.number("economics.asset_size_exponent"))


def candidate_actions(
    maturity: Mapping[str, float],
    catalogue: RiskCatalogue | None = None,
    profile: EstablishmentProfile | None = None,
    steps: Sequence[int] = (1, 2),
) -> list[CandidateAction]:
    """For each control below 5: raise it by each of ``steps`` levels (capped at 5), costed per level."""
    catalogue = catalogue or load_catalogue()
    default = catalogue.number("maturity.default_maturity")
    factor = size_factor(profile, catalogue)
    actions: list[CandidateAction] = []
    for control in catalogue.controls:
        current = float(maturity.get(control.id, default))
        if current >= 5.0 or f"controls.{control.id}.one_off_eur" not in catalogue.figures:
            continue
        targets = sorted({min(5.0, math.floor(current) + step) for step in steps} - {current})
        for target in targets:
            levels = target - current
            actions.append(
                CandidateAction(
                    control.id,
                    current,
                    target,
                    levels * factor * catalogue.number(f"controls.{control.id}.one_off_eur"),
                    levels * factor * catalogue.number(f"controls.{control.id}.yearly_eur"),
                    control.name_fr,
                    control.name_en,
                )
            )
    return actions


def rank_actions(
    base_aal: float, results: Sequence[tuple[CandidateAction, float]], years_of_amortisation: float = 5
) -> list[RankedAction]:
    """Each action's avoided AAL (base - after) per euro of annualised cost (one-off / years + yearly),
    best first; ties by larger avoided loss."""
    if years_of_amortisation <= 0:
        raise ValueError("years_of_amortisation: must be > 0")
    ranked = []
    for action, aal_after in results:
        avoided = base_aal - aal_after
        cost = action.annualised_cost(years_of_amortisation)
        ratio = avoided / cost if cost > 0 else (math.inf if avoided > 0 else 0.0)
        ranked.append(RankedAction(action, aal_after, avoided, cost, ratio))
    ranked.sort(key=lambda r: (-r.return_per_euro, -r.avoided_eur, r.action.control_id, r.action.to_level))
    return ranked


def cumulative_curve(ranked: Sequence[RankedAction]) -> list[tuple[float, float]]:
    """(annual budget, annual loss avoided) taking the ranked actions in order, starting at (0, 0).

    One action per control (the best-ranked); actions with no avoided loss are left out. Avoided losses
    are added up, which ignores overlaps between controls acting on the same scenario (and the floors):
    re-run the engine with the chosen set for the exact figure.
    """
    curve = [(0.0, 0.0)]
    taken: set[str] = set()
    budget = avoided = 0.0
    for item in ranked:
        if item.action.control_id in taken or item.avoided_eur <= 0:
            continue
        taken.add(item.action.control_id)
        budget += item.annualised_cost_eur
        avoided += item.avoided_eur
        curve.append((budget, avoided))
    return curve
