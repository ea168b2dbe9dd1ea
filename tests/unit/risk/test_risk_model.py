"""Known answers of the risk model: a toy catalogue with fixed figures, computed by hand."""

import copy
import datetime as dt
from importlib import resources

import numpy as np
import pytest
import yaml

from cyber360.quant import simulate, summarize
from cyber360.quant.distributions import Fixed, LogNormal, Pert
from cyber360.risk.catalogue import CatalogueError, catalogue_from_data
from cyber360.risk.distributions import LossPart, LossSum, loss_sum, scaled
from cyber360.risk.model import (
    CandidateAction,
    EstablishmentProfile,
    build_ght_model,
    build_model,
    candidate_actions,
    control_multipliers,
    cumulative_curve,
    explain_change,
    load_catalogue,
    rank_actions,
    tornado,
)


def _raw(name):
    return yaml.safe_load(resources.files("cyber360.data").joinpath(name).read_text(encoding="utf-8"))


def fixed(value):
    return {"fixed": {"value": value}, "assumption": "toy"}


def point(value):
    return {"value": value, "range": [value, value], "assumption": "toy"}


def toy_data():
    data = copy.deepcopy(_raw("scenarios.yaml"))
    data["reference_establishment"] = {
        "annual_revenue_eur": point(36_500_000),
        "beds": point(100),
        "patients_per_year": point(10_000),
    }
    data["profile_defaults"] = {
        "records_per_patient_year": point(10),
        "workstations_per_bed": point(2),
        "servers_per_bed": point(0.5),
        "medical_devices_per_bed": point(1),
        "server_weight": point(10),
    }
    data["economics"] = {"variable_cost_share": point(0.25), "asset_size_exponent": point(0.5)}
    data["scenarios"] = {
        "ransomware": {
            "name_fr": "Rançongiciel",
            "name_en": "Ransomware",
            "frequency": {
                "rate": fixed(0.01),
                "size_by": "workstations",
                "size_exponent": point(0.5),
                "exposure": ["internet_kev_findings"],
            },
            "degraded_mode_days": fixed(10),
            "asset_damage": {"fixed": fixed(100_000), "per_day": fixed(10_000)},
            "business_interruption": {
                "share_of_activity_lost": fixed(0.2),
                "extra_cost_share": fixed(0.05),
                "lasting_share": fixed(0.01),
            },
            "third_party": {
                "fixed": fixed(50_000),
                "exfiltration_probability": point(0.5),
                "per_record_held": fixed(1.0),
                "fine_probability": point(0.1),
                "fine": fixed(1_000_000),
            },
        }
    }
    controls = {
        "controls": [
            {
                "id": "backups",
                "name_fr": "Sauvegardes hors ligne",
                "name_en": "Offline backups",
                "effects": {
                    "multipliers": [
                        {
                            "scenarios": ["ransomware"],
                            "target": "frequency",
                            "value": 0.5,
                            "range": [0.5, 0.5],
                            "assumption": "toy",
                        }
                    ],
                    "cost_per_level": {"one_off_eur": 50_000, "yearly_eur": 10_000, "assumption": "toy"},
                },
            },
            {
                "id": "mfa",
                "name_fr": "Authentification multifacteur",
                "name_en": "Multi-factor authentication",
                "effects": {
                    "multipliers": [
                        {
                            "scenarios": ["ransomware"],
                            "target": "asset_damage",
                            "value": 0.8,
                            "range": [0.8, 0.8],
                            "assumption": "toy",
                        }
                    ],
                    "cost_per_level": {"one_off_eur": 10_000, "yearly_eur": 1_000, "assumption": "toy"},
                },
            },
        ]
    }
    return data, controls


@pytest.fixture(scope="module")
def toy():
    return catalogue_from_data(*toy_data())


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


TOY_PROFILE = EstablishmentProfile("Toy", "ch", 73_000_000, 400, 20_000)
# By hand: workstations 400 x 2 = 800 vs 200 -> frequency 0.01 x 4^0.5 = 0.02; IT units 800 + 10 x 200 = 2800
# vs 700 -> asset x 4^0.5 = 2: 200 k + 20 k x 10 days = 400 k; daily revenue 200 k: BI per day
# 200 k x 0.2 x 0.75 + 200 k x 0.05 = 40 k, x 10 days = 400 k, lasting 0.01 x 73 M = 730 k;
# third party 50 k + 0.5 x 200 000 records x 1 EUR + 0.1 x 1 M = 250 k. Event 1.78 M, AAL 35 600.
TOY_EVENT = 400_000 + 1_130_000 + 250_000
TOY_AAL = 0.02 * TOY_EVENT


def test_toy_known_answer_exact_and_simulated(toy):
    model = build_model(TOY_PROFILE, {}, toy)
    scenario = model.scenarios[0]
    assert model.scenario_names == ("ransomware",)
    assert scenario.magnitude.component_names == ("asset_damage", "business_interruption", "third_party")
    assert scenario.magnitude.component_mean("asset_damage") == pytest.approx(400_000)
    assert scenario.magnitude.component_mean("business_interruption") == pytest.approx(1_130_000)
    assert scenario.magnitude.component_mean("third_party") == pytest.approx(250_000)
    assert model.expected_annual_loss() == pytest.approx(TOY_AAL)
    figures = summarize(simulate(model, 200_000, seed=7))["total"]
    assert abs(figures["aal"] - TOY_AAL) < 4 * figures["aal_stderr"]


def test_maturity_interpolation_known_answer(toy):
    # reference maturity 1: M^((m - 1) / 4); 0.5 at 5, 0.5^0.5 at 3, 1 at 1 (and for a missing control)
    assert control_multipliers({"backups": 5}, toy)[("ransomware", "frequency")] == pytest.approx(0.5)
    assert control_multipliers({"backups": 3}, toy)[("ransomware", "frequency")] == pytest.approx(0.5**0.5)
    assert control_multipliers({}, toy)[("ransomware", "frequency")] == pytest.approx(1.0)
    model = build_model(TOY_PROFILE, {"backups": 5, "mfa": 5}, toy)
    assert model.expected_annual_loss() == pytest.approx(0.5 * 0.02 * (TOY_EVENT - 0.2 * 400_000))
    with pytest.raises(CatalogueError, match=r"maturity\.unknown"):
        build_model(TOY_PROFILE, {"unknown": 3}, toy)
    with pytest.raises(CatalogueError, match="between 0 and 5"):
        build_model(TOY_PROFILE, {"backups": 6}, toy)


def test_caps_hold_with_every_control_at_full_maturity(catalogue):
    floor_f, floor_s = (
        catalogue.number("maturity.frequency_floor"),
        catalogue.number("maturity.severity_floor"),
    )
    best = control_multipliers({c.id: 5.0 for c in catalogue.controls}, catalogue)
    for (scenario, target), value in best.items():
        assert value >= (floor_f if target == "frequency" else floor_s) - 1e-12, (scenario, target)
    assert best[("ransomware", "frequency")] == pytest.approx(floor_f)  # the cap binds for ransomware
    worst = control_multipliers({c.id: 0.0 for c in catalogue.controls}, catalogue)
    assert max(worst.values()) <= catalogue.number("maturity.ceiling") + 1e-12
    profile = EstablishmentProfile("CH", "ch", 150e6, 700, 120_000)
    base = build_model(profile, {}, catalogue)
    full = build_model(profile, {c.id: 5.0 for c in catalogue.controls}, catalogue)
    for before, after in zip(base.scenarios, full.scenarios, strict=True):
        assert after.frequency.mean() >= floor_f * before.frequency.mean() * (1 - 1e-9)
        assert after.magnitude.mean() >= floor_s**2 * before.magnitude.mean()  # days and component floors


def test_maturity_orders_the_risk(catalogue):
    profile = EstablishmentProfile("CH", "ch", 150e6, 700, 120_000)
    low = build_model(profile, {c.id: 0.0 for c in catalogue.controls}, catalogue)
    mid = build_model(profile, {}, catalogue)
    high = build_model(profile, {c.id: 5.0 for c in catalogue.controls}, catalogue)
    for a, b, c in zip(low.scenarios, mid.scenarios, high.scenarios, strict=True):
        assert a.expected_annual_loss() > b.expected_annual_loss() > c.expected_annual_loss(), a.name
    assert low.scenario_names == tuple(s.id for s in catalogue.scenarios)


def test_exposure_raises_frequency_within_bounds(toy):
    base = build_model(TOY_PROFILE, {}, toy).scenarios[0].frequency.mean()
    one = EstablishmentProfile("Toy", "ch", 73_000_000, 400, 20_000, internet_kev_findings=1)
    many = EstablishmentProfile("Toy", "ch", 73_000_000, 400, 20_000, internet_kev_findings=1000)
    coefficient, cap = toy.number("exposure.internet_kev_findings"), toy.number("exposure.max_uplift")
    assert build_model(one, {}, toy).scenarios[0].frequency.mean() == pytest.approx(base * (1 + coefficient))
    assert build_model(many, {}, toy).scenarios[0].frequency.mean() == pytest.approx(base * (1 + cap))
    epss = EstablishmentProfile("Toy", "ch", 73_000_000, 400, 20_000, high_epss_findings=50)
    assert build_model(epss, {}, toy).scenarios[0].frequency.mean() == pytest.approx(base)  # not listed


def test_ranking_by_hand(toy):
    actions = candidate_actions({"backups": 1, "mfa": 4}, toy)
    assert [(a.control_id, a.to_level) for a in actions] == [("backups", 2), ("backups", 3), ("mfa", 5)]
    assert actions[1].one_off_eur == 100_000 and actions[1].yearly_eur == 20_000
    assert actions[2].one_off_eur == 10_000 and actions[2].yearly_eur == 1_000
    results = [(actions[0], 900.0), (actions[1], 800.0), (actions[2], 990.0)]
    ranked = rank_actions(1000.0, results, years_of_amortisation=5)
    # annualised: 50k/5 + 10k = 20k; 100k/5 + 20k = 40k; 10k/5 + 1k = 3k
    # avoided per euro: 100/20k = 0.005, 200/40k = 0.005, 10/3k = 0.00333; tie -> larger avoided first
    assert [(r.action.control_id, r.action.to_level) for r in ranked] == [
        ("backups", 3),
        ("backups", 2),
        ("mfa", 5),
    ]
    assert ranked[0].annualised_cost_eur == 40_000 and ranked[0].return_per_euro == pytest.approx(0.005)
    assert cumulative_curve(ranked) == [(0.0, 0.0), (40_000.0, 200.0), (43_000.0, 210.0)]
    big = candidate_actions({}, toy, profile=EstablishmentProfile("B", "chu", 1e8, 400, 10_000))
    assert big[0].one_off_eur == pytest.approx(50_000 * 4**0.5)  # (400 / 100 beds)^0.5


def test_explain_change_names_the_control(toy):
    before = (TOY_PROFILE, {"backups": 1})
    after = (TOY_PROFILE, {"backups": 3})
    summaries = []
    for _, maturity in (before, after):
        summaries.append(summarize(simulate(build_model(TOY_PROFILE, maturity, toy), 20_000, seed=1)))
    text = explain_change(before, after, summaries[0], summaries[1], since=dt.date(2025, 3, 1), catalogue=toy)
    assert text[0].startswith("Le risque a baissé de ")
    assert text[0].endswith("depuis mars : sauvegardes hors ligne désormais au niveau 3.")
    english = explain_change(
        before, after, *summaries, since=dt.date(2025, 3, 1), language="en", catalogue=toy
    )
    assert english[0].startswith("Risk fell by EUR ") and "Offline backups now at level 3" in english[0]
    bigger = EstablishmentProfile("Toy", "ch", 73_000_000, 500, 20_000)
    profile_text = explain_change(before, (bigger, {"backups": 1}), summaries[0], summaries[1], catalogue=toy)
    assert "lits 400 → 500" in profile_text[1]


def test_ght_common_shock_property(catalogue):
    profiles = [
        EstablishmentProfile("Support", "chu", 400e6, 1500, 250_000),
        EstablishmentProfile("CH A", "ch", 120e6, 500, 90_000),
        EstablishmentProfile("EHPAD B", "ehpad", 10e6, 120, 500),
    ]
    maturities = [{"mfa": 3}, {}, {"backups_offline_tested": 4}]
    ght = build_ght_model(profiles, maturities, 0, catalogue)
    alone = [build_model(p, m, catalogue) for p, m in zip(profiles, maturities, strict=True)]
    spread = catalogue.number("ght.spread_probability")
    rate = alone[0].scenarios[0].frequency.mean()
    events = [model.scenarios[0].magnitude.mean() for model in alone]
    shock = next(s for s in ght.scenarios if s.name == "ght_shared_is_ransomware")
    assert shock.frequency.mean() == pytest.approx(spread * rate, rel=1e-12)
    assert shock.magnitude.mean() == pytest.approx(sum(events), rel=1e-12)
    standalone = sum(m.expected_annual_loss() for m in alone)
    assert ght.expected_annual_loss() == pytest.approx(
        standalone + spread * rate * sum(events[1:]), rel=1e-12
    )
    assert "Support/ransomware" in ght.scenario_names and len(ght.scenarios) == 3 * 6 + 1
    figures = summarize(simulate(ght, 50_000, seed=3))["scenarios"]["ght_shared_is_ransomware"]
    assert figures["aal_exact"] == pytest.approx(spread * rate * sum(events))


def test_loss_sum_moments_and_streams():
    rng = np.random.default_rng(0)
    dist = LossSum((LossPart(1.0, Pert(0, 1, 4)), LossPart(0.3, LogNormal.from_median(10, 0.5))))
    draws = dist.sample(rng, 400_000)
    assert draws.mean() == pytest.approx(dist.mean(), rel=0.01)
    assert draws.var() == pytest.approx(dist.variance(), rel=0.03)
    whole = dist.sample(np.random.default_rng(5), 10)
    parts = np.random.default_rng(5)
    assert np.array_equal(whole, np.concatenate([dist.sample(parts, 4), dist.sample(parts, 6)]))
    assert scaled(dist, 2.0).mean() == pytest.approx(2 * dist.mean())
    assert loss_sum([(1.0, Fixed(0.0)), (0.0, Fixed(3.0))]) == Fixed(0.0)


def test_tornado_lists_the_widest_swings(toy, catalogue):
    bars = tornado(TOY_PROFILE, {}, toy, top=3)
    assert bars[0][0] == "maturity.reference_maturity" and all(low != high for _, low, high in bars)
    swings = [abs(high - low) for _, low, high in bars]
    assert swings == sorted(swings, reverse=True)
    real = tornado(EstablishmentProfile("CH", "ch", 150e6, 700, 120_000), {}, catalogue, top=5)
    assert len({path for path, _, _ in real}) == 5


def test_catalogue_errors_name_the_field():
    data, controls = toy_data()
    del data["scenarios"]["ransomware"]["asset_damage"]["fixed"]["assumption"]
    with pytest.raises(CatalogueError, match=r"scenarios.ransomware.asset_damage.fixed: needs exactly one"):
        catalogue_from_data(data, controls)
    data, controls = toy_data()
    controls["controls"][0]["effects"]["multipliers"][0]["target"] = "moon"
    with pytest.raises(CatalogueError, match=r"controls.backups.multipliers\[0\].target"):
        catalogue_from_data(data, controls)
    bad = CandidateAction("mfa", 1, 2, 0.0, 0.0, "a", "b")
    assert rank_actions(10.0, [(bad, 5.0)])[0].return_per_euro == float("inf")
