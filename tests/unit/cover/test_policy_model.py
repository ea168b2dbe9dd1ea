"""Policies and quotes, the pure rules: terms checked with the field named in the user's language, the
status life cycle, the period, the quote's bounds, the policy form and the plain-words view."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from cyber360.core import i18n
from cyber360.core.errors import FieldError
from cyber360.cover import model, pages, products
from cyber360.cover.model import PolicyStatus, QuoteCreate


def _terms(**changes):
    terms = products.default_product().terms()
    terms.update(changes)
    return terms


def _refusal(data) -> FieldError:
    with pytest.raises(FieldError) as caught:
        model.check_terms(data)
    return caught.value


def _text(error: FieldError, locale: str) -> str:
    return i18n.error_text(locale, error.message_key, error.params)


@pytest.mark.parametrize(
    ("data", "field", "french", "english"),
    [
        (
            {"sections": {"asset_damage": {"limit": -5}}},
            "terms.sections.asset_damage.limit",
            "Doit être strictement positif.",
            "Must be more than zero.",
        ),
        (
            {"sections": {"third_party": {"deductible": -1}}},
            "terms.sections.third_party.deductible",
            "Doit être positif ou nul.",
            "Must be zero or more.",
        ),
        (
            {"sections": {"all": {"share": 1.5}}},
            "terms.sections.all.share",
            "Part attendue : plus de 0 et au plus 1 (100 %).",
            "Expected share: more than 0 and at most 1 (100%).",
        ),
        (
            {"sections": {"all": {}}, "loadings": {"expense_ratio": 0.7, "margin": 0.4}},
            "terms.loadings.margin",
            "Le taux de frais et la marge doivent totaliser moins de 1.",
            "The expense ratio and the margin must add up to less than 1.",
        ),
        (
            {"sections": {"all": {}}, "loadings": {"cost_of_capital": 1.2}},
            "terms.loadings.cost_of_capital",
            "Taux attendu : au moins 0 et moins de 1 (0,25 = 25 %).",
            "Expected rate: at least 0 and less than 1 (0.25 = 25%).",
        ),
        (
            {"sections": {"all": {}}, "loadings": {"capital_level": 1}},
            "terms.loadings.capital_level",
            "Niveau attendu strictement entre 0 et 1 (0,995 = 99,5 %).",
            "Expected level strictly between 0 and 1 (0.995 = 99.5%).",
        ),
        (
            {"sections": {"all": {}}, "loadings": {"capital_method": "magic"}},
            "terms.loadings.capital_method",
            "Choix invalide ; valeurs possibles : euler, standalone.",
            "Invalid choice; possible values: euler, standalone.",
        ),
        (
            {"sections": {}},
            "terms.sections",
            "Choisissez au moins une garantie.",
            "Choose at least one section.",
        ),
        (
            {"sections": {"cyber": {}}},
            "terms.sections.cyber",
            "Garantie inconnue ; garanties possibles : asset_damage, business_interruption, third_party, "
            "crisis_costs, all.",
            "Unknown section; possible sections: asset_damage, business_interruption, third_party, "
            "crisis_costs, all.",
        ),
        (
            {"sections": {"all": {}, "third_party": {}}},
            "terms.sections.all",
            "La garantie « toutes garanties confondues » ne se combine pas avec des garanties par poste.",
            'The "all sections combined" section cannot be combined with per-component sections.',
        ),
        ({"operating_loss": {}}, "terms.sections", "Ce champ est obligatoire.", "This field is required."),
        (
            {"sections": {"all": {"limitt": 1}}},
            "terms.sections.all.limitt",
            "Champ inconnu ; champs possibles : deductible, limit, annual_aggregate_limit, share.",
            "Unknown field; possible fields: deductible, limit, annual_aggregate_limit, share.",
        ),
        ({"sections": {"all": {"limit": "beaucoup"}}}, "terms.sections.all.limit", "Nombre attendu.", None),
        ({"sections": {"all": {"limit": float("inf")}}}, "terms.sections.all.limit", None, None),
        ({"sections": {"all": 3}}, "terms.sections.all", "Objet attendu.", "An object is expected."),
        ({"sections": {"all": {}}, "exclude_systemic": "oui"}, "terms.exclude_systemic", None, None),
        ({"sections": {"all": {}}, "systemic_scenarios": "wave"}, "terms.systemic_scenarios", None, None),
        ({"sections": {"all": {}}, "complaint_probability": 2}, "terms.complaint_probability", None, None),
        (
            {"sections": {"all": {}}, "operating_loss": {"indemnity_period_days": 0}},
            "terms.operating_loss.indemnity_period_days",
            None,
            None,
        ),
        ([1, 2], "terms", "Objet attendu.", None),
    ],
)
def test_refused_terms_name_the_field_and_the_reason_in_both_languages(data, field, french, english):
    error = _refusal(data)
    assert error.field == field
    assert error.message_key != "error.cover_terms_invalid", "every engine reason has its own message"
    if french:
        assert _text(error, "fr") == french
    if english:
        assert _text(error, "en") == english
    assert _text(error, "en") != _text(error, "fr")


def test_too_large_terms_are_refused_before_parsing():
    error = _refusal({"sections": {"all": {}}, "systemic_scenarios": ["x" * 30_000]})
    assert (error.field, error.message_key) == ("terms", "error.cover_terms_too_large")


def test_an_unknown_reason_is_still_shown():
    error = model.terms_error(model.ModelError("sections.all", "something new"))
    assert error.field == "terms.sections.all"
    assert "something new" in _text(error, "fr")


def test_valid_terms_give_the_engine_policy():
    policy = model.check_terms(_terms())
    assert policy.sections["asset_damage"].limit == 10_000_000


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("draft", PolicyStatus.BOUND, True),
        ("draft", PolicyStatus.CANCELLED, True),
        ("draft", PolicyStatus.EXPIRED, False),
        ("bound", PolicyStatus.EXPIRED, True),
        ("bound", PolicyStatus.CANCELLED, True),
        ("bound", PolicyStatus.DRAFT, False),
        ("expired", PolicyStatus.BOUND, False),
        ("cancelled", PolicyStatus.DRAFT, False),
        ("bound", PolicyStatus.BOUND, True),
    ],
)
def test_status_life_cycle(current, target, allowed):
    if allowed:
        model.check_transition(current, target)
    else:
        with pytest.raises(FieldError) as caught:
            model.check_transition(current, target)
        assert caught.value.field == "status"


def test_period_must_run_forward_and_not_too_long():
    model.check_period(date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(FieldError) as caught:
        model.check_period(date(2026, 1, 1), date(2026, 1, 1))
    assert (caught.value.field, caught.value.message_key) == ("period_end", "error.cover_period_order")
    with pytest.raises(FieldError) as caught:
        model.check_period(date(2026, 1, 1), date(2032, 1, 1))
    assert caught.value.message_key == "error.cover_period_length"


def test_quote_defaults_and_bounds():
    command = QuoteCreate()
    assert (command.years, command.seed, command.top_actions) == (20_000, 42, 5)
    for bad in ({"years": 999}, {"years": 200_001}, {"top_actions": 21}, {"top_actions": -1}, {"seed": -1}):
        with pytest.raises(ValidationError):
            QuoteCreate.model_validate(bad)
    with pytest.raises(ValidationError):
        QuoteCreate.model_validate({"unknown": 1})


def test_a_quote_that_would_take_too_long_names_top_actions_and_its_limit():
    QuoteCreate(years=100_000, top_actions=9)
    with pytest.raises(ValidationError) as caught:
        QuoteCreate(years=200_000, top_actions=20)
    (error,) = caught.value.errors()
    assert error["loc"] == ("top_actions",) and error["type"] == "cover_quote_budget"
    assert error["ctx"] == {"max": 4, "years": 200_000}
    assert i18n.error_text("fr", "cover_quote_budget", error["ctx"]).endswith("au plus 4 actions.")
    assert i18n.error_text("en", "cover_quote_budget", error["ctx"]).endswith("at most 4 actions.")


def test_the_form_round_trips_the_terms_and_blank_means_no_limit():
    terms = _terms()
    fields = {
        "sections.asset_damage.covered": "yes",
        "sections.asset_damage.deductible": "150 000",
        "sections.asset_damage.limit": "",
        "sections.third_party.covered": "yes",
        "sections.third_party.limit": "2\u202f000\u202f000",
        "sections.business_interruption.covered": "no",
        "sections.business_interruption.limit": "123",
        "operating_loss.waiting_period_hours": "8",
        "operating_loss.indemnity_period_days": "180",
        "annual_aggregate_limit": "20000000",
        "complaint_probability": "0,9",
        "loadings.expense_ratio": "0.2",
        "exclude_systemic": "no",
    }
    new = pages.terms_from_form(terms, fields)
    assert new["sections"] == {"asset_damage": {"deductible": 150_000}, "third_party": {"limit": 2_000_000}}
    assert new["operating_loss"] == {"waiting_period_hours": 8, "indemnity_period_days": 180}
    assert new["complaint_probability"] == 0.9 and new["exclude_systemic"] is False
    assert new["loadings"] == {"expense_ratio": 0.2, "capital_level": 0.995, "capital_method": "standalone"}
    assert "annual_aggregate_deductible" not in new
    policy = model.check_terms(new)
    assert policy.sections["asset_damage"].limit == float("inf")
    assert terms["sections"]["asset_damage"]["limit"] == 10_000_000, "the stored terms are not changed"


@pytest.mark.parametrize(("text", "key"), [("douze", "float_parsing"), ("inf", "error.cover_terms_finite")])
def test_a_form_amount_that_is_not_a_number_names_its_field(text, key):
    fields = {"sections.asset_damage.covered": "yes", "sections.asset_damage.limit": text}
    with pytest.raises(FieldError) as caught:
        pages.terms_from_form(_terms(), fields)
    assert (caught.value.field, caught.value.message_key) == ("terms.sections.asset_damage.limit", key)


def test_form_sections_offer_all_only_when_the_terms_use_it():
    assert pages.form_sections(_terms()) == model.FORM_SECTIONS
    assert pages.form_sections({"sections": {"all": {}}})[0] == "all"


def test_terms_view_writes_no_limit_as_none_in_contract_order():
    view = model.terms_view(
        model.check_terms({"sections": {"third_party": {}, "asset_damage": {"limit": 5}}})
    )
    assert [section["name"] for section in view["sections"]] == ["asset_damage", "third_party"]
    assert view["sections"][1]["limit"] is None and view["indemnity_period_days"] is None
    assert view["loadings"]["cost_of_capital"] == 0.06


def test_percentages_in_each_language():
    assert model.format_percent(0.995, "fr") == "99,5\xa0%"
    assert model.format_percent(0.25, "en") == "25%"


def test_every_message_of_the_area_has_an_english_translation():
    english = i18n.translator("en")
    sources = [*model.ERROR_MESSAGES.values(), *model.PYDANTIC_MESSAGES.values()]
    sources += [*model.STATUS_LABELS.values(), *model.SECTION_LABELS.values()]
    for source in sources:
        assert english(source) != source, source
