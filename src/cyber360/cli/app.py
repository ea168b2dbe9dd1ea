"""The Typer application every command module registers on."""

import typer

app = typer.Typer(
    name="cyber360",
    help="Cyber360 Santé: risque cyber en euros, plan, assurance et gestion de crise.",
    no_args_is_help=True,
    add_completion=False,
)
