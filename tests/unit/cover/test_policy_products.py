"""The packaged products (data/products.yaml): every figure cited, terms the engine prices, French rules."""

from __future__ import annotations

import math

import pytest

from cyber360.cover import products
from cyber360.quant.policy import policy_from_dict


def test_the_packaged_product_prices_and_follows_the_brief():
    product = products.default_product()
    policy = policy_from_dict(product.terms())
    assert set(policy.sections) == {"asset_damage", "business_interruption", "third_party", "crisis_costs"}
    assert policy.operating_loss.waiting_period_hours == 12  # BRIEF: typical 12 h (8-24 h)
    assert 90 <= policy.operating_loss.indemnity_period_days <= 180  # BRIEF: 90-180 days
    assert policy.loadings.cost_of_capital == 0.06  # Solvency II
    assert policy.loadings.capital_level == 0.995
    assert math.isfinite(policy.annual_aggregate_limit)
    assert all(math.isfinite(section.limit) for section in policy.sections.values())
    assert policy.exclude_systemic
    assert 0.9 <= policy.complaint_probability <= 1.0


def test_every_figure_cites_a_source_or_says_it_is_an_assumption():
    product = products.default_product()
    leaves = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        else:
            leaves.append(path)

    walk(product.terms(), "")
    cited = dict(product.sources)
    assert set(leaves) == set(cited)
    for path, text in cited.items():
        kind, _, reason = text.partition(": ")
        assert kind in {"source", "assumption"} and len(reason) > 20, path


def test_exclusions_and_conditions_in_both_languages_with_their_source():
    product = products.default_product()
    keys = {item.key for item in product.exclusions}
    assert {"ransom", "war"} <= keys
    complaint = next(item for item in product.conditions if item.key == "complaint_72h")
    assert "L.12-10-1" in complaint.source and "72 heures" in complaint.text("fr")
    assert "72 hours" in complaint.text("en")
    for item in (*product.exclusions, *product.conditions):
        assert item.text("fr") != item.text("en") and item.source


def test_terms_copies_are_independent():
    product = products.default_product()
    terms = product.terms()
    terms["sections"]["asset_damage"]["limit"] = 1
    assert product.terms()["sections"]["asset_damage"]["limit"] != 1


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ({"value": 1}, "exactly one of source or assumption"),
        ({"value": 1, "source": "x", "assumption": "y"}, "exactly one of source or assumption"),
        ({"value": 1, "source": "x", "note": "y"}, "unknown keys"),
    ],
)
def test_a_figure_without_exactly_one_citation_is_refused(figure, message):
    data = {
        "products": [
            {
                "key": "p",
                "name": {"fr": "P", "en": "P"},
                "description": {"fr": "P", "en": "P"},
                "terms": {"sections": {"all": {"limit": figure}}},
            }
        ]
    }
    with pytest.raises(ValueError, match=message):
        products.parse_products(data)


def test_terms_the_engine_refuses_are_refused_at_load():
    data = {
        "products": [
            {
                "key": "p",
                "name": {"fr": "P", "en": "P"},
                "description": {"fr": "P", "en": "P"},
                "terms": {"sections": {"all": {"limit": {"value": -1, "assumption": "a negative limit"}}}},
            }
        ]
    }
    with pytest.raises(ValueError, match="limit"):
        products.parse_products(data)


def test_choices_name_the_product_in_the_language():
    ((key, french),) = products.choices("fr")
    ((_, english),) = products.choices("en")
    assert key == products.default_product().key
    assert french.startswith("Cyber Santé") and english.startswith("Cyber Health")
