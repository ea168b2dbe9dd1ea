"""The loss engine: frequency-severity Monte Carlo of cyber losses, pure NumPy/SciPy.

It knows nothing of hospitals, databases or the web (see TECHNICAL.md beside this file). Typical use::

    model = load_model_file("model.yaml")              # or model_from_dict(data), or build Model(...)
    result = simulate(model, years=1_000_000, seed=42)  # year loss table per scenario and in total
    figures = summarize(result)                         # AAL, VaR, TVaR, AEP, OEP, Euler contributions

and, for insurance terms applied per event then per year, the event table chunk by chunk::

    for chunk in simulate_events(model, years, seed):   # EventChunk: year, scenario, losses, driver
        table = year_table(chunk, insured_loss_per_event)
"""

from cyber360.quant.errors import ModelError
from cyber360.quant.events import EventChunk, YearTable, simulate_events, year_table
from cyber360.quant.metrics import (
    RETURN_PERIODS,
    Estimate,
    LossCurve,
    average_annual_loss,
    tvar_contributions,
)
from cyber360.quant.model import Component, Driver, Frequency, Magnitude, Model, Scenario
from cyber360.quant.modelfile import load_model_file, model_from_dict, parse_model_text
from cyber360.quant.simulate import SimulationResult, simulate
from cyber360.quant.summary import summarize

__all__ = [
    "RETURN_PERIODS",
    "Component",
    "Driver",
    "Estimate",
    "EventChunk",
    "Frequency",
    "LossCurve",
    "Magnitude",
    "Model",
    "ModelError",
    "Scenario",
    "SimulationResult",
    "YearTable",
    "average_annual_loss",
    "load_model_file",
    "model_from_dict",
    "parse_model_text",
    "simulate",
    "simulate_events",
    "summarize",
    "tvar_contributions",
    "year_table",
]
