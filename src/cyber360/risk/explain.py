"""Why the risk changed between two snapshots, in sentences (French first, English second)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from cyber360.risk.catalogue import RiskCatalogue, load_catalogue

if TYPE_CHECKING:
    from cyber360.risk.model import EstablishmentProfile

NARROW_SPACE = "\u202f"
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
PROFILE_LABELS = {
    "annual_revenue_eur": ("chiffre d'affaires", "revenue"),
    "beds": ("lits", "beds"),
    "patients_per_year": ("patients par an", "patients per year"),
    "records_held": ("dossiers détenus", "records held"),
    "workstations": ("postes de travail", "workstations"),
    "servers": ("serveurs", "servers"),
    "medical_devices": ("dispositifs médicaux", "medical devices"),
    "internet_exposed_services": ("services exposés sur internet", "internet-exposed services"),
    "internet_kev_findings": ("vulnérabilités KEV exposées", "exposed KEV vulnerabilities"),
    "high_epss_findings": ("vulnérabilités à EPSS élevé", "high-EPSS vulnerabilities"),
    "medical_devices_vulnerable": ("dispositifs médicaux vulnérables", "vulnerable medical devices"),
}


@functools.lru_cache(maxsize=1)
def cached_catalogue() -> RiskCatalogue:
    """The packaged catalogue, read once (it is immutable and its YAML takes a second to parse)."""
    return load_catalogue()


#: The label of the common shock of a GHT's shared information system, before the scenario's name.
SHARED_IS_LABEL = {"fr": "SI partagé du GHT", "en": "GHT's shared IS"}


def scenario_label(name: str, language: str, catalogue: RiskCatalogue | None = None) -> str:
    """A result's scenario name in words: ``ransomware`` -> "Rançongiciel";
    ``<establishment>/ransomware`` -> "<establishment> — Rançongiciel";
    ``ght_shared_is_ransomware`` -> "SI partagé du GHT — Rançongiciel"."""
    from cyber360.risk.model import SHARED_PREFIX

    known = {spec.id: spec.name(language) for spec in (catalogue or cached_catalogue()).scenarios}
    if name.startswith(SHARED_PREFIX):
        scenario = name.removeprefix(SHARED_PREFIX)
        return f"{SHARED_IS_LABEL.get(language, SHARED_IS_LABEL['fr'])} — {known.get(scenario, scenario)}"
    place, _slash, scenario = name.rpartition("/")
    label = known.get(scenario, scenario)
    return f"{place} — {label}" if place else label


@dataclass(frozen=True)
class RiskInputs:
    """What a snapshot was computed from."""

    profile: EstablishmentProfile
    maturity: Mapping[str, float]


def _euros(value: float, language: str) -> str:
    rounded = f"{abs(value):,.0f}"
    return rounded.replace(",", NARROW_SPACE) + " €" if language == "fr" else f"EUR {rounded}"


def _level(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _lower_first(text: str) -> str:
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


def _inputs(value: RiskInputs | tuple[EstablishmentProfile, Mapping[str, float]]) -> RiskInputs:
    return value if isinstance(value, RiskInputs) else RiskInputs(value[0], value[1])


def _aal(summary: Mapping[str, Any], scenario: str | None = None) -> float:
    part = summary["total"] if scenario is None else summary["scenarios"].get(scenario, {"aal": 0.0})
    return float(part["aal"])


def explain_change(
    before_inputs: RiskInputs | tuple[EstablishmentProfile, Mapping[str, float]],
    after_inputs: RiskInputs | tuple[EstablishmentProfile, Mapping[str, float]],
    before_summary: Mapping[str, Any],
    after_summary: Mapping[str, Any],
    *,
    since: dt.date | None = None,
    language: str = "fr",
    catalogue: RiskCatalogue | None = None,
) -> list[str]:
    """Sentences such as « Le risque a baissé de 120 000 € depuis mars : sauvegardes déconnectées et
    testées désormais au niveau 3. », then the profile changes and the scenario that moved most.

    Summaries are in the ``summarize`` shape; the controls that changed are named biggest change first.
    """
    catalogue = catalogue or load_catalogue()
    fr = language == "fr"
    before, after = _inputs(before_inputs), _inputs(after_inputs)
    default = catalogue.number("maturity.default_maturity")
    changed = []
    for control in catalogue.controls:
        old = float(before.maturity.get(control.id, default))
        new = float(after.maturity.get(control.id, default))
        if old != new:
            changed.append((abs(new - old), control.name(language), new))
    changed.sort(key=lambda item: (-item[0], item[1]))
    delta = _aal(after_summary) - _aal(before_summary)
    when = ""
    if since is not None:
        when = f" depuis {MONTHS_FR[since.month - 1]}" if fr else f" since {since.strftime('%B')}"
    if fr:
        verb = "a baissé de" if delta < 0 else "a augmenté de" if delta > 0 else "est inchangé"
        head = f"Le risque {verb}{' ' + _euros(delta, language) if delta else ''}{when}"
    else:
        verb = "fell by" if delta < 0 else "rose by" if delta > 0 else "is unchanged"
        head = f"Risk {verb}{' ' + _euros(delta, language) if delta else ''}{when}"
    reasons = [
        f"{_lower_first(name)} désormais au niveau {_level(level)}"
        if fr
        else f"{name} now at level {_level(level)}"
        for _, name, level in changed
    ]
    sentences = [f"{head} : {', '.join(reasons)}." if fr else f"{head}: {', '.join(reasons)}."]
    if not reasons:
        sentences[0] = f"{head}."
    profile_changes = []
    for item in fields(before.profile):
        old_value, new_value = getattr(before.profile, item.name), getattr(after.profile, item.name)
        if item.name in PROFILE_LABELS and old_value != new_value:
            label = PROFILE_LABELS[item.name][0 if fr else 1]
            profile_changes.append(f"{label} {old_value} → {new_value}")
    if profile_changes:
        sentences.append(
            ("Profil modifié : " if fr else "Profile changed: ") + "; ".join(profile_changes) + "."
        )
    if not reasons and not profile_changes and delta:
        sentences.append(
            "Entrées identiques : l'écart vient du modèle ou de la simulation (version, graine, années)."
            if fr
            else "Same inputs: the difference comes from the model or the simulation (version, seed, years)."
        )
    moves = [
        (_aal(after_summary, s.id) - _aal(before_summary, s.id), s.name(language))
        for s in catalogue.scenarios
        if s.id in before_summary.get("scenarios", {}) or s.id in after_summary.get("scenarios", {})
    ]
    if moves and delta:
        move, name = max(moves, key=lambda item: abs(item[0]))
        sign = "−" if move < 0 else "+"
        sentences.append(
            f"Plus forte variation : {_lower_first(name)} ({sign}{_euros(move, language)} par an)."
            if fr
            else f"Largest change: {name} ({sign}{_euros(move, language)} a year)."
        )
    return sentences
