"""Risk in euros: scenario catalogue, control effects, establishment profile -> engine model, action plan.

Pure (no database, no web). See docs/risk-model.md for the model and the source of every figure.
"""

from cyber360.risk.model import (
    CandidateAction,
    ControlMaturity,
    EstablishmentProfile,
    RankedAction,
    RiskCatalogue,
    RiskInputs,
    build_ght_model,
    build_model,
    candidate_actions,
    cumulative_curve,
    explain_change,
    load_catalogue,
    rank_actions,
    tornado,
)

__all__ = [
    "CandidateAction",
    "ControlMaturity",
    "EstablishmentProfile",
    "RankedAction",
    "RiskCatalogue",
    "RiskInputs",
    "build_ght_model",
    "build_model",
    "candidate_actions",
    "cumulative_curve",
    "explain_change",
    "load_catalogue",
    "rank_actions",
    "tornado",
]
