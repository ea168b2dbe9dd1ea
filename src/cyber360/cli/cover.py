"""``cyber360 price`` and ``cyber360 portfolio``: policy terms, technical premium and portfolio accumulation.

No database: ``price`` reads a quantify model file and a policy file; ``portfolio`` builds the packaged demo
organisation's GHTs (data/demo/organisation.yaml, default maturities, suppliers from data/suppliers.yaml) or
a synthetic national-like set (``--synthetic N:G``), every GHT under the same policy (default
examples-like policy below or ``--policy``), and runs locally or on a Dask scheduler (``--scheduler`` or
``CYBER360_DASK_SCHEDULER``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cyber360.cli.app import app
from cyber360.cli.quantify import MAX_YEARS, euros, euros_short
from cyber360.quant.errors import ModelError
from cyber360.quant.modelfile import load_model_file
from cyber360.quant.policy import Policy, load_policy_file, policy_from_dict
from cyber360.quant.pricing import technical_premium
from cyber360.quant.simulate import simulate
from cyber360.quant.summary import summarize
from cyber360.quant.terms import simulate_net

#: The issue's policy, used by ``portfolio`` when no ``--policy`` is given.
DEFAULT_POLICY = {
    "sections": {"all": {"deductible": 100000, "limit": 500000}},
    "annual_aggregate_limit": 800000,
    "loadings": {"expense_ratio": 0.25, "margin": 0.05, "cost_of_capital": 0.06},
}


def _exact_to_none(value: Any) -> Any:
    """Net figures have no closed form: the ``*_exact`` fields of the gross shape become null."""
    if isinstance(value, dict):
        return {k: None if k.endswith("_exact") else _exact_to_none(v) for k, v in value.items()}
    return value


def _fail(what: str, error: Exception) -> typer.Exit:
    Console(stderr=True).print(f"[red]{what}[/red] {escape(str(error))}", highlight=False)
    return typer.Exit(code=1)


def _policy(path: Path | None) -> Policy:
    try:
        return load_policy_file(path) if path is not None else policy_from_dict(DEFAULT_POLICY)
    except ModelError as error:
        raise _fail(f"Police invalide / invalid policy ({path}):", error) from None


@app.command()
def price(
    model_file: Annotated[
        Path, typer.Argument(help="Modèle YAML / model file.", exists=True, dir_okay=False)
    ],
    policy_file: Annotated[
        Path, typer.Option("--policy", help="Police YAML / policy file.", exists=True, dir_okay=False)
    ],
    years: Annotated[int, typer.Option("--years", "-n", min=1, max=MAX_YEARS)] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0)] = 42,
    json_output: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Prime technique d'une police / technical premium of a policy on a loss model (gross, net, premium)."""
    try:
        model = load_model_file(model_file)
    except ModelError as error:
        raise _fail(f"Modèle invalide / invalid model ({model_file}):", error) from None
    policy = _policy(policy_file)
    gross = simulate(model, years, seed)
    net = simulate_net(model, policy, years, seed, block_years=gross.block_years)
    premium = technical_premium(
        net.total_aggregate, policy.loadings, complaint_probability=policy.complaint_probability
    )
    report = {"gross": summarize(gross), "net": _exact_to_none(summarize(net)), "premium": premium}
    if json_output:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    table = Table(title="Prime technique / technical premium", title_justify="left")
    table.add_column("Poste / item")
    table.add_column("Montant / amount", justify="right")
    table.add_row("AAL brute / gross", euros(report["gross"]["total"]["aal"]))
    table.add_row("AAL nette / net", euros(report["net"]["total"]["aal"]))
    for key in (
        "expected_loss",
        "claims_handling",
        "expenses",
        "margin",
        "capital",
        "capital_cost",
        "technical",
    ):
        table.add_row(key, euros(premium[key]), style="bold" if key == "technical" else None)
    Console().print(table)


@app.command()
def portfolio(
    years: Annotated[int, typer.Option("--years", "-n", min=1, max=MAX_YEARS)] = 100_000,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0)] = 42,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", envvar="CYBER360_DASK_SCHEDULER", help="Dask scheduler.")
    ] = None,
    policy_file: Annotated[Path | None, typer.Option("--policy", exists=True, dir_okay=False)] = None,
    synthetic: Annotated[
        str | None, typer.Option("--synthetic", help="N:G synthetic establishments:GHTs, e.g. 1000:135.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Cumul du portefeuille / portfolio accumulation: AAL, PML 1/200, AEP/OEP, contributions, brut et net."""
    from cyber360.cover.portfolio_inputs import build_portfolio, demo_ghts, synthetic_ghts
    from cyber360.quant.portfolio import portfolio_summary, simulate_portfolio

    policy = _policy(policy_file)
    if synthetic:
        try:
            count, ghts = (int(part) for part in synthetic.split(":"))
        except ValueError:
            raise typer.BadParameter("expected N:G, e.g. 1000:135", param_hint="--synthetic") from None
        book = build_portfolio(synthetic_ghts(count, ghts), policy)
    else:
        book = build_portfolio(demo_ghts(), policy)
    client = None
    if scheduler:
        from dask.distributed import Client

        client = Client(scheduler)
    with Progress(
        TextColumn("Portefeuille / portfolio"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = simulate_portfolio(book, years, seed, client=client, progress=advance)
        finally:
            if client is not None:
                client.close()
    summary = portfolio_summary(result)
    if json_output:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(title=f"Portefeuille / portfolio, {years} années / years", title_justify="left")
    for header in ("", "AAL", "PML 1/200", "TVaR 99,5 %"):
        table.add_column(header, justify="right")
    for name in ("gross", "net"):
        figures = summary[name]
        table.add_row(name, euros(figures["aal"]), euros(figures["pml_200"]), euros(figures["tvar"]["99.5"]))
    console.print(table)
    for part in ("by_scenario", "by_ght"):
        contributions = Table(title=f"Contributions ({part})", title_justify="left")
        for header in ("", "AAL brut", "AAL net", "TVaR 99,5 % net"):
            contributions.add_column(header, justify="right")
        for key, gross in summary["gross"][part].items():
            net = summary["net"][part][key]
            contributions.add_row(
                key, euros_short(gross["aal"]), euros_short(net["aal"]), euros_short(net["tvar_contribution"])
            )
        console.print(contributions)
