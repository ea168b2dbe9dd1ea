"""The insurance products an insurer offers the cooperative's member GHTs (packaged ``data/products.yaml``).

A product is a named set of default terms in the policy grammar of :mod:`cyber360.quant.policy`, with its
exclusions and conditions in plain words (French and English) and the source or assumption behind every
figure. An underwriter starts a policy from a product and adapts the terms to the GHT; the product itself
never changes a policy once created. Pure: reads the packaged file, no database, no web.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from cyber360.quant.policy import policy_from_dict

PRODUCTS_FILE = "products.yaml"
#: Keys a figure of the file may hold: its value, its plausible range, and its source or assumption.
FIGURE_KEYS = frozenset({"value", "range", "source", "assumption"})


@dataclass(frozen=True)
class Clause:
    """An exclusion or a condition of a product, in both languages, with where it comes from."""

    key: str
    text_fr: str
    text_en: str
    source: str

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_fr


@dataclass(frozen=True)
class Product:
    """A product: default terms (policy grammar), exclusions, conditions, and the sources of its figures."""

    key: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    default_terms: Mapping[str, Any]
    exclusions: tuple[Clause, ...]
    conditions: tuple[Clause, ...]
    #: (path of the figure in the terms, "source: ..." or "assumption: ..."), in file order.
    sources: tuple[tuple[str, str], ...]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_fr

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_fr

    def terms(self) -> dict[str, Any]:
        """A fresh copy of the default terms (a caller may change it)."""
        return copy.deepcopy(dict(self.default_terms))


def _is_figure(node: object) -> bool:
    return isinstance(node, Mapping) and "value" in node


def _values(node: Any, path: str, sources: list[tuple[str, str]]) -> Any:
    """The terms with each figure replaced by its value; the figures' sources gathered on the way."""
    if _is_figure(node):
        unknown = set(node) - FIGURE_KEYS
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
        cited = [key for key in ("source", "assumption") if isinstance(node.get(key), str) and node[key]]
        if len(cited) != 1:
            raise ValueError(f"{path}: a figure needs exactly one of source or assumption")
        sources.append((path, f"{cited[0]}: {node[cited[0]]}"))
        return node["value"]
    if isinstance(node, Mapping):
        return {
            str(key): _values(value, f"{path}.{key}" if path else str(key), sources)
            for key, value in node.items()
        }
    raise ValueError(f"{path}: expected a figure {{value, source | assumption}} or a mapping of figures")


def _clauses(items: Any, kind: str) -> tuple[Clause, ...]:
    clauses = []
    for item in items or ():
        if not all(isinstance(item.get(key), str) and item[key] for key in ("key", "fr", "en", "source")):
            raise ValueError(f"{kind}: each item needs key, fr, en and source")
        clauses.append(Clause(item["key"], item["fr"], item["en"], item["source"]))
    return tuple(clauses)


def parse_products(data: Any) -> dict[str, Product]:
    """Check and build the products of a parsed file (every figure cited, the terms valid for the engine)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("products"), list):
        raise ValueError("products: a list is required")
    products: dict[str, Product] = {}
    for spec in data["products"]:
        key = str(spec["key"])
        sources: list[tuple[str, str]] = []
        terms = _values(spec["terms"], "", sources)
        policy_from_dict(terms)  # refuses terms the engine cannot price, naming the field
        if key in products:
            raise ValueError(f"products: duplicate key {key}")
        products[key] = Product(
            key=key,
            name_fr=str(spec["name"]["fr"]),
            name_en=str(spec["name"]["en"]),
            description_fr=str(spec["description"]["fr"]),
            description_en=str(spec["description"]["en"]),
            default_terms=terms,
            exclusions=_clauses(spec.get("exclusions"), "exclusions"),
            conditions=_clauses(spec.get("conditions"), "conditions"),
            sources=tuple(sources),
        )
    return products


@functools.lru_cache(maxsize=1)
def load_products() -> dict[str, Product]:
    """The packaged products, read once (safe YAML loader)."""
    text = resources.files("cyber360.data").joinpath(PRODUCTS_FILE).read_text(encoding="utf-8")
    return parse_products(yaml.safe_load(text))


def find_product(key: str) -> Product | None:
    return load_products().get(key)


def default_product() -> Product:
    """The first product of the file: what a new policy starts from unless the underwriter picks another."""
    return next(iter(load_products().values()))


def choices(locale: str) -> list[tuple[str, str]]:
    """(key, name) of every product, for a form."""
    return [(product.key, product.name(locale)) for product in load_products().values()]
