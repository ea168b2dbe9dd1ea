"""Policies and quotes (pure): the commands, the public views, and the rules they follow.

A policy moves from ``draft`` (the underwriter sets its terms) to ``bound`` (the contract is in force: its
terms and period are frozen; new terms mean a new policy) and then ``expired`` or ``cancelled``; a draft
may be cancelled too. Terms are the policy grammar of :mod:`cyber360.quant.policy`; what the engine refuses
becomes a :class:`FieldError` naming the field path (``terms.sections.asset_damage.limit``) and the reason
in the user's language. A quote prices the policy on the GHT's current quantified risk, and again once the
top actions of the GHT's plan are done (the prevention incentive).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from babel.numbers import format_decimal
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cyber360.core import i18n
from cyber360.core.errors import FieldError
from cyber360.core.i18n import N_
from cyber360.quant.errors import ModelError
from cyber360.quant.policy import Policy, policy_from_dict


class PolicyStatus(StrEnum):
    DRAFT = "draft"
    BOUND = "bound"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


#: The moves a policy's status may make (anything else is refused).
TRANSITIONS: Final[dict[PolicyStatus, frozenset[PolicyStatus]]] = {
    PolicyStatus.DRAFT: frozenset({PolicyStatus.BOUND, PolicyStatus.CANCELLED}),
    PolicyStatus.BOUND: frozenset({PolicyStatus.EXPIRED, PolicyStatus.CANCELLED}),
    PolicyStatus.EXPIRED: frozenset(),
    PolicyStatus.CANCELLED: frozenset(),
}
#: Statuses under which a quote may be run (a closed policy prices nothing).
QUOTABLE: Final = frozenset({PolicyStatus.DRAFT, PolicyStatus.BOUND})

STATUS_LABELS: Final = {
    PolicyStatus.DRAFT.value: N_("Brouillon"),
    PolicyStatus.BOUND.value: N_("En vigueur"),
    PolicyStatus.EXPIRED.value: N_("Échue"),
    PolicyStatus.CANCELLED.value: N_("Résiliée"),
}
SECTION_LABELS: Final = {
    "asset_damage": N_("Dommages propres"),
    "business_interruption": N_("Pertes d'exploitation"),
    "third_party": N_("Responsabilité civile (dommages aux tiers)"),
    "crisis_costs": N_("Frais de gestion de crise"),
    "all": N_("Toutes garanties confondues"),
}
#: Sections the policy form offers, in the order the contract lists them.
FORM_SECTIONS: Final = ("asset_damage", "business_interruption", "third_party", "crisis_costs")
SECTION_FIELDS: Final = ("deductible", "limit", "annual_aggregate_limit", "share")
OPERATING_FIELDS: Final = ("waiting_period_hours", "indemnity_period_days")
POLICY_NUMBERS: Final = ("annual_aggregate_limit", "annual_aggregate_deductible", "complaint_probability")
LOADING_NUMBERS: Final = ("expense_ratio", "margin", "cost_of_capital", "claims_handling")

MAX_TERMS_CHARS: Final = 20_000
#: A policy period of at most five years (multi-year public contracts; assumption).
MAX_PERIOD_DAYS: Final = 5 * 366
#: Monte Carlo years of a quote: 20,000 by default (well under a second for a large GHT; the AAL's standard
#: error is shown beside the premium), at most 200,000 per run.
DEFAULT_QUOTE_YEARS: Final = 20_000
MIN_QUOTE_YEARS: Final = 1_000
MAX_QUOTE_YEARS: Final = 200_000
DEFAULT_SEED: Final = 42
DEFAULT_TOP_ACTIONS: Final = 5
MAX_TOP_ACTIONS: Final = 20
#: A quote simulates ``years`` once per step (now, then after each action): this budget keeps it within a
#: web request (measured on the demo's largest GHT: ~1 s for 20,000 years and 5 actions, ~6 s at the budget).
MAX_SIMULATED_YEARS: Final = 1_000_000

ERROR_MESSAGES: Final = {
    "error.cover_not_eligible": N_(
        "Ce GHT ne peut pas être assuré : il doit être membre de la coopérative et avoir souscrit l'offre."
    ),
    "error.cover_unknown_product": N_("Produit d'assurance inconnu."),
    "error.cover_policy_frozen": N_(
        "La police est souscrite : ses conditions et sa période sont figées. Créez une nouvelle police "
        "(brouillon) pour de nouvelles conditions."
    ),
    "error.cover_status_transition": N_(
        "Changement d'état impossible : une police passe de brouillon à souscrite, puis à échue ou "
        "résiliée (un brouillon peut aussi être résilié)."
    ),
    "error.cover_policy_closed": N_("Une police échue ou résiliée ne se tarifie plus."),
    "error.cover_no_establishment": N_("Le GHT n'a aucun établissement : rien à tarifer."),
    "error.cover_period_order": N_("La fin de la période doit suivre son début."),
    "error.cover_period_length": N_("Une police couvre au plus {max} jours."),
    "error.cover_terms_too_large": N_("Conditions trop longues : au plus {max} caractères."),
    "error.cover_terms_number": N_("Nombre attendu."),
    "error.cover_terms_finite": N_("Nombre fini attendu (laissez vide pour « sans plafond »)."),
    "error.cover_terms_not_negative": N_("Doit être positif ou nul."),
    "error.cover_terms_positive": N_("Doit être strictement positif."),
    "error.cover_terms_share": N_("Part attendue : plus de 0 et au plus 1 (100 %)."),
    "error.cover_terms_rate": N_("Taux attendu : au moins 0 et moins de 1 (0,25 = 25 %)."),
    "error.cover_terms_probability": N_("Probabilité attendue entre 0 et 1."),
    "error.cover_terms_loadings": N_("Le taux de frais et la marge doivent totaliser moins de 1."),
    "error.cover_terms_level": N_("Niveau attendu strictement entre 0 et 1 (0,995 = 99,5 %)."),
    "error.cover_terms_choice": N_("Choix invalide ; valeurs possibles : {expected}."),
    "error.cover_terms_no_section": N_("Choisissez au moins une garantie."),
    "error.cover_terms_unknown_section": N_("Garantie inconnue ; garanties possibles : {expected}."),
    "error.cover_terms_all_section": N_(
        "La garantie « toutes garanties confondues » ne se combine pas avec des garanties par poste."
    ),
    "error.cover_terms_mapping": N_("Objet attendu."),
    "error.cover_terms_unknown_field": N_("Champ inconnu ; champs possibles : {expected}."),
    "error.cover_terms_scenarios": N_("Liste de noms de scénarios attendue."),
    "error.cover_terms_text": N_("Texte attendu."),
    "error.cover_terms_invalid": N_("Valeur refusée : {reason}."),
}
PYDANTIC_MESSAGES: Final = {
    "cover_quote_budget": N_(
        "Calcul trop long pour une requête : avec {years} années simulées, au plus {max} actions."
    ),
}
for _key, _message in ERROR_MESSAGES.items():
    i18n.ERROR_MESSAGES.setdefault(_key, _message)
for _key, _message in PYDANTIC_MESSAGES.items():
    i18n.PYDANTIC_MESSAGES.setdefault(_key, _message)

#: The engine's reasons (English, :mod:`cyber360.quant.policy`) -> our message keys; named groups become
#: the message's parameters.
_REASONS: Final = (
    (re.compile(r"^must be a number"), "error.cover_terms_number"),
    (re.compile(r"^must be >= 0$"), "error.cover_terms_not_negative"),
    (re.compile(r"^must be > 0$"), "error.cover_terms_positive"),
    (re.compile(r"^must lie in \(0, 1\]$"), "error.cover_terms_share"),
    (re.compile(r"^must lie in \[0, 1\), not"), "error.cover_terms_rate"),
    (re.compile(r"^must lie in \[0, 1\]$"), "error.cover_terms_probability"),
    (re.compile(r"expense_ratio \+ margin must be < 1$"), "error.cover_terms_loadings"),
    (re.compile(r"^must lie strictly between 0 and 1$"), "error.cover_terms_level"),
    (re.compile(r"^must be one of (?P<expected>.+)$"), "error.cover_terms_choice"),
    (re.compile(r"^must name at least one section$"), "error.cover_terms_no_section"),
    (re.compile(r"^unknown section; expected one of (?P<expected>.+)$"), "error.cover_terms_unknown_section"),
    (re.compile(r"^cannot be combined with per-component sections$"), "error.cover_terms_all_section"),
    (re.compile(r"^must be a mapping$"), "error.cover_terms_mapping"),
    (re.compile(r"^unknown field; expected (?P<expected>.+)$"), "error.cover_terms_unknown_field"),
    (re.compile(r"^is required$"), "error.required"),
    (re.compile(r"^must be a list of scenario names$"), "error.cover_terms_scenarios"),
    (re.compile(r"^must be true or false$"), "bool_parsing"),
    (re.compile(r"^must be a text$"), "error.cover_terms_text"),
)


def terms_field(path: str) -> str:
    """The body field of a path inside the terms: ``sections.all.limit`` -> ``terms.sections.all.limit``."""
    return f"terms.{path}" if path else "terms"


def terms_error(error: ModelError) -> FieldError:
    """The engine's refusal of a term as a field error in the user's language."""
    for pattern, key in _REASONS:
        match = pattern.search(error.reason)
        if match:
            return FieldError(terms_field(error.path), key, **match.groupdict())
    return FieldError(terms_field(error.path), "error.cover_terms_invalid", reason=error.reason)


def _check_finite(node: object, path: str) -> None:
    if isinstance(node, float) and not math.isfinite(node):
        raise FieldError(terms_field(path), "error.cover_terms_finite")
    if isinstance(node, Mapping):
        for key, value in node.items():
            _check_finite(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_finite(value, f"{path}[{index}]")


def canonical_json(data: object) -> str:
    """The one JSON spelling of a value (sorted keys, no spaces): what is stored and hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def check_terms(data: object) -> Policy:
    """The engine's policy for terms given as parsed JSON; refused terms name the field and the reason."""
    try:
        size = len(canonical_json(data))
    except (TypeError, ValueError):
        raise FieldError("terms", "error.invalid") from None
    if size > MAX_TERMS_CHARS:
        raise FieldError("terms", "error.cover_terms_too_large", max=MAX_TERMS_CHARS)
    _check_finite(data, "")
    try:
        return policy_from_dict(data)
    except ModelError as error:
        raise terms_error(error) from None


def check_period(start: date, end: date) -> None:
    if end <= start:
        raise FieldError("period_end", "error.cover_period_order")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise FieldError("period_end", "error.cover_period_length", max=MAX_PERIOD_DAYS)


def check_transition(current: str, target: PolicyStatus) -> None:
    """A status change the life cycle allows (staying put is allowed and changes nothing)."""
    if target.value == current:
        return
    if target not in TRANSITIONS[PolicyStatus(current)]:
        raise FieldError("status", "error.cover_status_transition")


def format_percent(value: float, locale: str) -> str:
    """A share as a percentage with at most one decimal (``0.995`` -> ``99,5 %`` / ``99.5%``)."""
    number = format_decimal(value * 100, format="#,##0.#", locale="fr_FR" if locale == "fr" else "en_GB")
    return f"{number}\u00a0%" if locale == "fr" else f"{number}%"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def terms_view(policy: Policy) -> dict[str, Any]:
    """The terms as the pages and the underwriting file write them (``None``: no limit)."""
    order = [name for name in (*FORM_SECTIONS, "all") if name in policy.sections]
    return {
        "sections": [
            {
                "name": name,
                "deductible": policy.sections[name].deductible,
                "limit": _finite(policy.sections[name].limit),
                "annual_aggregate_limit": _finite(policy.sections[name].annual_aggregate_limit),
                "share": policy.sections[name].share,
            }
            for name in order
        ],
        "waiting_period_hours": policy.operating_loss.waiting_period_hours,
        "indemnity_period_days": _finite(policy.operating_loss.indemnity_period_days),
        "annual_aggregate_limit": _finite(policy.annual_aggregate_limit),
        "annual_aggregate_deductible": policy.annual_aggregate_deductible,
        "exclude_systemic": policy.exclude_systemic,
        "systemic_scenarios": list(policy.systemic_scenarios),
        "complaint_probability": policy.complaint_probability,
        "loadings": {
            "expense_ratio": policy.loadings.expense_ratio,
            "margin": policy.loadings.margin,
            "cost_of_capital": policy.loadings.cost_of_capital,
            "claims_handling": policy.loadings.claims_handling,
            "capital_level": policy.loadings.capital_level,
            "capital_method": policy.loadings.capital_method,
        },
    }


# Commands ---------------------------------------------------------------------------------------------------


class PolicyCreate(BaseModel):
    """A new policy (always a draft) of the underwriter's insurer; terms default to the product's."""

    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=60)
    period_start: date
    period_end: date
    terms: dict[str, Any] | None = None


class PolicyUpdate(BaseModel):
    """Changes to a policy: terms and period while it is a draft; its status along the life cycle."""

    model_config = ConfigDict(extra="forbid")

    terms: dict[str, Any] | None = None
    period_start: date | None = None
    period_end: date | None = None
    status: PolicyStatus | None = None


class QuoteCreate(BaseModel):
    """A pricing run: simulated years, seed, and how many top actions of the plan the incentive counts."""

    model_config = ConfigDict(extra="forbid")

    years: int = Field(default=DEFAULT_QUOTE_YEARS, ge=MIN_QUOTE_YEARS, le=MAX_QUOTE_YEARS)
    seed: int = Field(default=DEFAULT_SEED, ge=0, le=2**31 - 1)
    top_actions: int = Field(default=DEFAULT_TOP_ACTIONS, ge=0, le=MAX_TOP_ACTIONS)

    @field_validator("top_actions")
    @classmethod
    def _within_budget(cls, value: int, info: ValidationInfo) -> int:
        years = info.data.get("years")
        if isinstance(years, int) and years * (value + 1) > MAX_SIMULATED_YEARS:
            raise PydanticCustomError(
                "cover_quote_budget",
                "at most {max} actions with {years} simulated years",
                {"max": max(0, MAX_SIMULATED_YEARS // years - 1), "years": years},
            )
        return value


# Views ------------------------------------------------------------------------------------------------------


class PolicyPublic(BaseModel):
    id: int
    reference: str
    ght_id: int
    ght_name: str
    insurer_organisation_id: int
    insurer_name: str
    product: str
    status: PolicyStatus
    period_start: date
    period_end: date
    terms: dict[str, Any]
    terms_sha256: str
    created_at: datetime
    updated_at: datetime


class ActionEffect(BaseModel):
    """One plan action counted by the incentive, and what it saves on the premium given the ones before it
    (the savings of the listed actions add up to the premium now minus the premium after)."""

    action_id: int
    establishment_id: int
    establishment: str
    title: str
    control_id: str
    from_level: float
    target_level: float
    loss_avoided_eur: float | None
    return_ratio: float | None
    premium_after_eur: float
    premium_saving_eur: float


class QuoteSummary(BaseModel):
    id: int
    policy_id: int
    ght_id: int
    created_at: datetime
    created_by: str
    years: int
    seed: int
    top_actions: int
    technical_premium_eur: float
    technical_premium_after_eur: float


class QuotePublic(QuoteSummary):
    """The premium breakdown now and after the plan's top actions, with what it was computed from."""

    model_version: str
    inputs_sha256: str
    risk_inputs_sha256: str
    terms_sha256: str
    terms: dict[str, Any]
    gross: dict[str, Any]
    net: dict[str, Any]
    premium: dict[str, Any]
    premium_after: dict[str, Any]
    gross_after: dict[str, Any]
    net_after: dict[str, Any]
    actions: list[ActionEffect]
    saving_eur: float
    expected_loss_stderr_eur: float | None
    expected_loss_after_stderr_eur: float | None
    expected_loss_saving_eur: float
    expected_loss_saving_stderr_eur: float | None
