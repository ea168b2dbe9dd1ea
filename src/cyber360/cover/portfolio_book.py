"""The engine's portfolio for a run's stored inputs (pure: no database): each GHT built from its
establishments' profiles and control maturities, split per establishment, under its own policy; the
correlated-event assumptions of data/suppliers.yaml."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from cyber360.cover.portfolio_inputs import assemble, load_suppliers
from cyber360.quant import portfolio as engine
from cyber360.quant.errors import ModelError
from cyber360.quant.policy import policy_from_dict
from cyber360.risk import service as risk_service


def policy_terms(text: str) -> Any:
    """A policy's stored terms as parsed JSON (the policy grammar checks them when the run builds them)."""
    try:
        return json.loads(text)
    except ValueError:
        return text  # the policy grammar refuses it when the run builds it: the run fails, naming the policy


def accumulation_inputs() -> dict[str, Any]:
    """The correlated-event assumptions of data/suppliers.yaml as the engine takes them."""
    suppliers, shares, wave, supplier_scenario = load_suppliers()
    return {
        "suppliers": [asdict(supplier) for supplier in suppliers],
        "market_shares": list(shares),
        "wave": asdict(wave),
        "supplier_scenario": supplier_scenario,
    }


def build_book(inputs: dict[str, Any]) -> engine.Portfolio:
    """The engine's portfolio for stored inputs (pure): each GHT built from its establishments' profiles
    and maturities, split per establishment, under its own policy; an establishment's supplier is chosen
    from its key by the market shares (``portfolio_inputs.supplier_of``). Keys: ``establishment-<id>``
    (a name may hold any character, a key may not) and ``ght-<id>``."""
    accumulation = inputs["accumulation"]
    chosen = (
        tuple(engine.Supplier(**item) for item in accumulation["suppliers"]),
        tuple(accumulation["market_shares"]),
        engine.SystemicWave(**accumulation["wave"]),
        accumulation["supplier_scenario"],
    )
    ghts = []
    for item in inputs["ghts"]:
        try:
            policy = policy_from_dict(item["terms"])
        except ModelError as error:
            raise ValueError(f"{item['name']} ({item['policy_reference']}): {error}") from error
        members = [
            {
                **member,
                "profile": {**member["profile"], "name": f"establishment-{member['establishment_id']}"},
            }
            for member in item["inputs"]["establishments"]
        ]
        keys = [member["profile"]["name"] for member in members]
        model = risk_service.build({**item["inputs"], "establishments": members})
        ghts.append((f"ght-{item['ght_id']}", model, keys, policy))
    return assemble(ghts, accumulation=chosen)


def book_of(inputs: dict[str, Any], portfolio: engine.Portfolio) -> list[dict[str, Any]]:
    """What the run covered, GHT by GHT, for its page: names, policies, establishments per supplier."""
    keys = [item["key"] for item in inputs["accumulation"]["suppliers"]]
    book = []
    for index, (item, group) in enumerate(zip(inputs["ghts"], portfolio.groups, strict=True)):
        suppliers = [keys[risk.suppliers[0]] for risk in portfolio.risks if risk.group == index]
        policy = {name: item[name] for name in ("ght_id", "name", "policy_id", "policy_reference")}
        book.append(
            policy
            | {"key": group.key, "establishments": len(suppliers), "shared_is": group.shared is not None}
            | {"suppliers": {key: suppliers.count(key) for key in keys if key in suppliers}}
            | {"exclude_systemic": bool(group.policy is not None and group.policy.exclude_systemic)}
        )
    return book
