"""``cyber360 quantify MODEL.yaml``: simulate a loss model and report AAL, VaR, TVaR, AEP and OEP.

Needs no database: it reads the model file, runs :func:`cyber360.quant.simulate.simulate` and renders
:func:`cyber360.quant.summary.summarize` as a Rich table, as JSON, and optionally as a loss exceedance
curve (PNG or SVG).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from cyber360.cli.app import app
from cyber360.quant.errors import ModelError
from cyber360.quant.metrics import RETURN_PERIODS, LossCurve
from cyber360.quant.modelfile import load_model_file
from cyber360.quant.simulate import SimulationResult, simulate
from cyber360.quant.summary import LEVELS, level_key, summarize

#: Runs of at least this many years show a progress bar (on a terminal).
PROGRESS_MIN_YEARS = 2_000_000
MAX_YEARS = 100_000_000
PLOT_FORMATS = (".png", ".svg")
#: The curve is drawn up to this return period (or the run length): beyond, a handful of years decide it.
PLOT_MAX_RETURN_PERIOD = 10_000


def thousands(value: int) -> str:
    """``1000000`` -> ``1 000 000`` (French thousands separator, a narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def euros(value: float | None) -> str:
    """French-style euros: ``1 234 567 €``; a dash when not estimable."""
    if value is None:
        return "—"
    return f"{value:,.0f}".replace(",", "\u202f") + " €"


def euros_short(value: float | None) -> str:
    """Compact euros for wide tables: ``3,55 M€``, ``551 k€``."""
    if value is None:
        return "—"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} M€".replace(".", ",")
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f} k€"
    return f"{value:.0f} €"


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f} %".replace(".", ",")


def level_label(level: float) -> str:
    """``0.995`` -> ``99,5 %``."""
    return level_key(level).replace(".", ",") + " %"


@app.command()
def quantify(
    model_file: Annotated[
        Path,
        typer.Argument(help="Fichier de modèle YAML / YAML model file.", exists=True, dir_okay=False),
    ],
    years: Annotated[
        int, typer.Option("--years", "-n", min=1, max=MAX_YEARS, help="Années simulées / simulated years.")
    ] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Graine aléatoire / random seed.")] = 42,
    json_output: Annotated[bool, typer.Option("--json", help="Résultats en JSON / JSON output.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", dir_okay=False, help="Courbe de dépassement (.png ou .svg) / exceedance curve."
        ),
    ] = None,
) -> None:
    """Quantifie un modèle de pertes / simulate a loss model (AAL, VaR, TVaR, AEP, OEP)."""
    errors = Console(stderr=True)
    if plot is not None and plot.suffix.lower() not in PLOT_FORMATS:
        raise typer.BadParameter(
            "le fichier doit finir par .png ou .svg / must end in .png or .svg", param_hint="--plot"
        )
    try:
        model = load_model_file(model_file)
    except ModelError as error:
        message = escape(f"({model_file}): {error}")
        errors.print(f"[red]Modèle invalide / invalid model[/red] {message}", highlight=False)
        raise typer.Exit(code=1) from None

    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[done]} / " + thousands(years) + " années"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
        disable=years < PROGRESS_MIN_YEARS,
    ) as progress:
        task = progress.add_task("Simulation", total=years, done="0")

        def advance(done: int, _: int) -> None:
            progress.update(task, completed=done, done=thousands(done))

        result = simulate(model, years, seed, progress=advance)
        progress.update(task, description="Indicateurs / metrics")
        summary = summarize(result)
    elapsed = time.perf_counter() - started

    if json_output:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_tables(Console(), summary, elapsed)
    if plot is not None:
        write_exceedance_plot(result, plot)
        errors.print(f"Courbe écrite / curve written: {escape(str(plot))}", highlight=False)


def _print_tables(console: Console, summary: dict[str, Any], elapsed: float) -> None:
    rows = [*summary["scenarios"].items(), ("Total", summary["total"])]
    years = thousands(summary["years"])
    seed = summary["seed"]
    console.print(
        f"[bold]{years} années simulées[/bold] / simulated years, graine / seed {seed}, {elapsed:.1f} s"
    )

    average = Table(title="Perte annuelle moyenne / average annual loss (AAL)", title_justify="left")
    for header in (
        "Scénario",
        "AAL",
        "± erreur type",
        "AAL exacte",
        "P(année sans perte)",
        "Événements / an",
    ):
        average.add_column(header, justify="left" if header == "Scénario" else "right")
    for name, figures in rows:
        average.add_row(
            name,
            euros(figures["aal"]),
            euros(figures["aal_stderr"]),
            euros(figures["aal_exact"]),
            percent(figures["prob_zero"]),
            f"{figures['events_per_year']:.3f}".replace(".", ","),
            style="bold" if name == "Total" else None,
        )
    console.print(average)

    tail = Table(title="Queue de la perte annuelle / annual loss tail", title_justify="left")
    tail.add_column("Scénario")
    for level in LEVELS:
        tail.add_column(f"VaR {level_label(level)}", justify="right")
    top = LEVELS[-1]
    tail.add_column(f"TVaR {level_label(top)}", justify="right")
    tail.add_column(f"Contrib. TVaR {level_label(top)}", justify="right")
    for name, figures in rows:
        contribution = figures.get("tvar_contribution", {}).get(
            level_key(top), figures["tvar"][level_key(top)]
        )
        tail.add_row(
            name,
            *(euros_short(figures["var"][level_key(level)]) for level in LEVELS),
            euros_short(figures["tvar"][level_key(top)]),
            euros_short(contribution),
            style="bold" if name == "Total" else None,
        )
    console.print(tail)

    components = [(n, c, f) for n, figures in rows for c, f in figures["components"].items() if c != "loss"]
    if components:
        table = Table(title="AAL par composante / per component", title_justify="left")
        for header in ("Scénario", "Composante", "AAL", "± erreur type", "AAL exacte"):
            table.add_column(header, justify="right" if header.startswith(("AAL", "±")) else "left")
        for name, component, figures in components:
            amounts = (figures["aal"], figures["aal_stderr"], figures["aal_exact"])
            table.add_row(name, component, *(euros(a) for a in amounts))
        console.print(table)

    curve = Table(title="Périodes de retour / return periods", title_justify="left")
    curve.add_column("Période (ans)", justify="right")
    curve.add_column("AEP: perte annuelle", justify="right")
    curve.add_column("OEP: plus gros événement", justify="right")
    for aep, oep in zip(summary["aep"], summary["oep"], strict=True):
        curve.add_row(str(aep["return_period"]), euros(aep["loss"]), euros(oep["loss"]))
    console.print(curve)


def write_exceedance_plot(result: SimulationResult, path: Path) -> None:
    """Loss exceedance curves (AEP and OEP of the total, AEP per scenario) on a log return-period axis."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(9, 5.5), layout="constrained")
    axes = figure.add_subplot()
    longest = float(min(result.years, PLOT_MAX_RETURN_PERIOD))
    series = [
        ("AEP total (perte annuelle)", result.total_aggregate, "black", "-", 2.2),
        ("OEP total (plus gros événement)", result.total_occurrence, "#c0392b", "-", 1.6),
    ] + [
        (f"AEP {name}", result.aggregate[s], None, "--", 1.0) for s, name in enumerate(result.scenario_names)
    ]
    highest = 0.0
    for label, losses, color, linestyle, linewidth in series:
        return_periods, values = LossCurve(losses).points()
        shown = return_periods <= longest
        axes.plot(return_periods[shown], values[shown], label=label, color=color, ls=linestyle, lw=linewidth)
        highest = max(highest, float(values[shown].max(initial=0.0)))
    total = LossCurve(result.total_aggregate)
    marks = [t for t in RETURN_PERIODS if t <= longest]
    axes.scatter(marks, [total.loss_at_return_period(t) for t in marks], color="black", s=14, zorder=3)
    axes.set_xscale("log")
    axes.set_xlim(1, max(longest, 10.0))
    axes.set_ylim(0, max(highest * 1.05, 1.0))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / 1e6:g} M€"))
    axes.set_xlabel("Période de retour (années) / return period (years)")
    axes.set_ylabel("Perte / loss")
    years = thousands(result.years)
    axes.set_title(f"Courbe de dépassement des pertes / loss exceedance curve ({years} années simulées)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    metadata = {"Date": None} if path.suffix.lower() == ".svg" else {}
    figure.savefig(path, dpi=150, metadata=metadata)
