"""Platform commands: database, demo, server, users, audit trail."""

from __future__ import annotations

import getpass
import shutil

import typer
from rich.console import Console
from rich.table import Table

from cyber360.cli.app import app
from cyber360.core.settings import Environment, get_settings

console = Console()
db_app = typer.Typer(help="Base de données / database.", no_args_is_help=True)
users_app = typer.Typer(help="Comptes utilisateurs / user accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Journal d'audit / audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")


def _session_factory():  # type: ignore[no-untyped-def]
    from cyber360.core.db import make_engine, make_session_factory

    return make_session_factory(make_engine(get_settings().resolved_database_url()))


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads", help="Révision cible / target revision")) -> None:
    """Met le schéma à jour / bring the schema up to date."""
    from cyber360.core.migrate import upgrade

    url = get_settings().resolved_database_url()
    upgrade(url, revision)
    console.print(f"[green]Schéma à jour[/green] / schema up to date ({revision})")


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., help="Adresse électronique / e-mail"),
    name: str = typer.Option(..., help="Nom affiché / display name"),
    role: str = typer.Option(..., help="platform_admin, ght_manager, …"),
    organisation_id: int = typer.Option(..., help="Organisation (id)"),
    establishment_id: int | None = typer.Option(None, help="Établissement (establishment_user)"),
) -> None:
    """Crée un compte (mot de passe demandé sans écho) / create an account (password prompted)."""
    from pydantic import ValidationError

    from cyber360.core.audit import Actor
    from cyber360.core.scope import OrganisationKind, Principal, Role
    from cyber360.core.uow import UnitOfWork
    from cyber360.org import service
    from cyber360.org.model import UserCreate

    password = getpass.getpass("Mot de passe / password: ")
    if password != getpass.getpass("Confirmation: "):
        console.print("[red]Les mots de passe diffèrent / passwords differ[/red]")
        raise typer.Exit(2)
    try:
        command = UserCreate(
            email=email,
            display_name=name,
            password=password,
            organisation_id=organisation_id,
            role=Role(role),
            establishment_id=establishment_id,
        )
    except (ValidationError, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    system = Actor.system("cli")
    operator = Principal(
        user_id=0,
        email=system.email,
        display_name="CLI",
        role=Role.PLATFORM_ADMIN,
        organisation_id=0,
        organisation_kind=OrganisationKind.PLATFORM,
        all_tenants=True,
        all_tenants_write=True,
    )
    with UnitOfWork(_session_factory(), request_id="cli") as uow:
        user = service.create_user(uow, operator, command)
    console.print(f"[green]Compte créé / account created[/green]: {user.email} (id {user.id}, {user.role})")


@audit_app.command("verify")
def audit_verify() -> None:
    """Vérifie la chaîne de hachage / verify the hash chain; exit 1 at the first broken link."""
    from cyber360.core.audit import verify_chain
    from cyber360.core.uow import UnitOfWork

    with UnitOfWork(_session_factory()) as uow:
        report = verify_chain(uow.session)
    if report.ok:
        console.print(f"[green]Chaîne intègre[/green] / chain intact: {report.checked} records")
        return
    console.print(
        f"[red]Chaîne rompue à l'enregistrement {report.broken_id}[/red] / "
        f"broken at record {report.broken_id}: "
        f"{report.reason} ({report.checked} records verified before it)"
    )
    raise typer.Exit(1)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Adresse d'écoute / bind address"),
    port: int = typer.Option(8360, help="Port"),
) -> None:
    """Sert l'application / serve the application."""
    import uvicorn

    from cyber360.app import create_app

    uvicorn.run(create_app(get_settings()), host=host, port=port, proxy_headers=False, log_level="info")


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="Adresse d'écoute / bind address"),
    port: int = typer.Option(8360, help="Port"),
    reset: bool = typer.Option(False, help="Repart d'une base vide / start from an empty database"),
    no_serve: bool = typer.Option(False, "--no-serve", help="Charge sans servir / load without serving"),
) -> None:
    """Migre, charge les données de démonstration puis sert / migrate, load the demo data and serve."""
    from cyber360.core.migrate import upgrade
    from cyber360.core.uow import UnitOfWork
    from cyber360.demo import load_all, present

    settings = get_settings()
    if settings.env is not Environment.DEMO:
        console.print(
            "[red]La démonstration exige CYBER360_ENV=demo / the demo needs CYBER360_ENV=demo[/red]"
        )
        raise typer.Exit(2)
    if reset and not settings.database_url:
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    url = settings.resolved_database_url()
    upgrade(url)
    factory = _session_factory()
    with UnitOfWork(factory, request_id="demo") as uow:
        if present(uow):
            console.print("Données de démonstration déjà présentes / demo data already loaded")
        else:
            load_all(uow)
            console.print("[green]Données de démonstration chargées[/green] / demo data loaded")
    _print_accounts(host, port)
    if not no_serve:
        serve(host=host, port=port)


def _print_accounts(host: str, port: int) -> None:
    from cyber360.core.settings import DEMO_PASSWORD
    from cyber360.org.demo import demo_accounts

    table = Table(title=f"Cyber360 Santé — http://{host}:{port}  (mot de passe / password: {DEMO_PASSWORD})")
    table.add_column("Compte / account")
    table.add_column("Rôle / role")
    table.add_column("Nom / name")
    for account in demo_accounts():
        table.add_row(account["email"], account["role"], account["name"])
    console.print(table)
