"""Hospital portfolio -> the engine's plain portfolio inputs (pure: no database, no web).

Each GHT is built by :func:`cyber360.risk.build_ght_model` and split back into one model per establishment
(scenarios ``<establishment>/<scenario>`` renamed ``<scenario>``, the support's shared scenario already
thinned by the spread probability) and the GHT's shared-IS common shocks (``ght_shared_is_*``). Suppliers
and the systemic wave come from ``data/suppliers.yaml`` (assumptions, see the file). An establishment uses
one supplier, chosen by its key's hash weighted by the market shares (synthetic, reproducible), unless
the caller says which.

Two sources: the packaged demo organisation (``data/demo/organisation.yaml``, all its GHTs, default
maturities) and a synthetic national-like set (``synthetic_profiles``: N establishments in G GHTs, a CHU or
large CH as support, sizes drawn around the calibration's orders of magnitude).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
import yaml

from cyber360.quant.model import Model, Scenario
from cyber360.quant.policy import Policy
from cyber360.quant.portfolio import Group, Portfolio, Risk, Supplier, SystemicWave
from cyber360.quant.streams import name_key
from cyber360.risk import EstablishmentProfile, build_ght_model, load_catalogue
from cyber360.risk.model import SHARED_PREFIX

#: (kind, share of establishments, beds low-high, revenue per bed in EUR): synthetic assumption, public
#: hospitals ~104 bn EUR over ~850 entities (calibration.md, DREES 2025 estimate).
SYNTHETIC_KINDS = (
    ("ch", 0.45, (150, 900), 280_000.0),
    ("chs", 0.12, (150, 500), 160_000.0),
    ("hopital_proximite", 0.18, (30, 120), 250_000.0),
    ("ehpad", 0.25, (50, 150), 55_000.0),
)


def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("cyber360.data").joinpath(name).read_text(encoding="utf-8"))


#: Suppliers, their market shares, the systemic wave, the supplier scenario's name.
Accumulation = tuple[tuple[Supplier, ...], tuple[float, ...], SystemicWave, str]


def load_suppliers() -> Accumulation:
    """(suppliers, market shares, systemic wave, supplier scenario) from data/suppliers.yaml."""
    data = _data("suppliers.yaml")
    suppliers = tuple(Supplier(str(s["key"]), float(s["rate"])) for s in data["suppliers"])
    shares = tuple(float(s["market_share"]) for s in data["suppliers"])
    wave = data["systemic_wave"]
    systemic = SystemicWave(float(wave["probability"]), float(wave["share"]), str(wave["scenario"]))
    return suppliers, shares, systemic, str(data["supplier_scenario"])


def supplier_of(key: str, shares: Sequence[float]) -> int:
    """The supplier an establishment uses: its key's hash mapped onto the cumulative market shares."""
    position = (name_key(f"supplier-choice:{key}") % 1_000_000) / 1_000_000 * sum(shares)
    return int(np.searchsorted(np.cumsum(shares), position, side="right").clip(0, len(shares) - 1))


def split_ght_model(model: Model, keys: Sequence[str]) -> tuple[list[Model], Model | None]:
    """A GHT model -> one model per establishment (scenarios renamed) and the shared-IS shock model."""
    own: dict[str, list[Scenario]] = {key: [] for key in keys}
    shared = []
    for scenario in model.scenarios:
        if scenario.name.startswith(SHARED_PREFIX):
            shared.append(scenario)
            continue
        key, name = scenario.name.split("/", 1)
        own[key].append(Scenario(name, scenario.frequency, scenario.magnitude, scenario.description))
    return [Model(tuple(own[key])) for key in keys], (Model(tuple(shared)) if shared else None)


def assemble(
    ghts: Sequence[tuple[str, Model, Sequence[str], Policy | None]],
    suppliers_by_establishment: dict[str, int] | None = None,
    block_years: int | None = None,
    accumulation: Accumulation | None = None,
) -> Portfolio:
    """The engine's portfolio from GHT models: ``ghts`` holds (GHT key, its model as
    :func:`cyber360.risk.build_ght_model` makes it, its establishments' keys in the model's order, its
    policy). Each GHT is split per establishment; an establishment uses the supplier its key's hash picks
    by the market shares, unless ``suppliers_by_establishment`` says which. ``accumulation``: the suppliers,
    their market shares, the systemic wave and the supplier scenario (default: data/suppliers.yaml)."""
    suppliers, shares, wave, supplier_scenario = accumulation or load_suppliers()
    groups, risks = [], []
    for index, (ght_key, model, keys, policy) in enumerate(ghts):
        models, shared = split_ght_model(model, keys)
        groups.append(Group(ght_key, policy, shared))
        for key, own in zip(keys, models, strict=True):
            chosen = (suppliers_by_establishment or {}).get(key, supplier_of(key, shares))
            risks.append(Risk(key, own, index, (chosen,)))
    extra = {} if block_years is None else {"block_years": block_years}
    return Portfolio(tuple(groups), tuple(risks), suppliers, wave, supplier_scenario, **extra)


def build_portfolio(
    ghts: Sequence[tuple[str, Sequence[EstablishmentProfile], int]],
    policy: Policy | None,
    suppliers_by_establishment: dict[str, int] | None = None,
    block_years: int | None = None,
) -> Portfolio:
    """``ghts``: (GHT key, its establishment profiles, index of the support); default maturities; the same
    policy for every GHT. Establishment keys (profile names) must be unique across the portfolio."""
    catalogue = load_catalogue()
    models = [
        (key, build_ght_model(list(profiles), [{} for _ in profiles], support, catalogue), profiles)
        for key, profiles, support in ghts
    ]
    return assemble(
        [(key, model, [p.name for p in profiles], policy) for key, model, profiles in models],
        suppliers_by_establishment,
        block_years,
    )


def demo_ghts() -> list[tuple[str, list[EstablishmentProfile], int]]:
    """The demo organisation's GHTs (data/demo/organisation.yaml) as profiles."""
    data = _data("demo/organisation.yaml")
    ghts = []
    for ght in data["ghts"]:
        profiles = [
            EstablishmentProfile(
                e["key"],
                e["kind"],
                float(e["annual_revenue_eur"]),
                int(e["beds"]),
                int(e["patients_per_year"]),
            )
            for e in ght["establishments"]
        ]
        support = [p.name for p in profiles].index(ght["support"])
        ghts.append((str(ght["key"]), profiles, support))
    return ghts


def synthetic_ghts(
    n_establishments: int = 1000, n_ghts: int = 135, seed: int = 0
) -> list[tuple[str, list[EstablishmentProfile], int]]:
    """A synthetic national-like set: every GHT has a support (CHU for one GHT in four, else a large CH)."""
    if n_ghts < 1 or n_establishments < n_ghts:
        raise ValueError("need at least one establishment per GHT")
    rng = np.random.default_rng(seed)
    group_of = np.concatenate([np.arange(n_ghts), rng.integers(0, n_ghts, n_establishments - n_ghts)])
    shares = np.array([k[1] for k in SYNTHETIC_KINDS])
    ghts: list[tuple[str, list[EstablishmentProfile], int]] = []
    for g in range(n_ghts):
        profiles = []
        for i in np.flatnonzero(group_of == g):
            if i == g:
                kind, beds, per_bed = (
                    ("chu", int(rng.integers(1500, 3000)), 350_000.0)
                    if g % 4 == 0
                    else ("ch", int(rng.integers(600, 1200)), 300_000.0)
                )
            else:
                kind, _, (low, high), per_bed = SYNTHETIC_KINDS[int(rng.choice(len(shares), p=shares))]
                beds = int(rng.integers(low, high))
            patients = max(1, beds * (2 if kind == "ehpad" else 180))
            profiles.append(EstablishmentProfile(f"e{i:05d}", kind, beds * per_bed, beds, patients))
        ghts.append((f"ght{g:03d}", profiles, 0))
    return ghts
