"""``cyber360 feeds import --kev FILE --epss FILE``: load the CISA KEV catalogue and FIRST EPSS scores.

The files are downloaded by an administrator (nothing is fetched from the internet at run time) and read
as streams; ``--bundled`` loads the small snapshots shipped with the application instead.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console

from cyber360.cli.app import app
from cyber360.core.settings import get_settings

console = Console()
feeds_app = typer.Typer(help="Flux de menaces KEV et EPSS / KEV and EPSS threat feeds.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")


def _opener(path: Path):  # type: ignore[no-untyped-def]
    def open_file() -> IO[bytes]:
        return path.open("rb")

    return open_file


@feeds_app.command("import")
def feeds_import(
    kev: Annotated[
        Path | None,
        typer.Option(
            help="known_exploited_vulnerabilities.json (CISA)", exists=True, dir_okay=False, readable=True
        ),
    ] = None,
    epss: Annotated[
        Path | None,
        typer.Option(
            help="epss_scores-AAAA-MM-JJ.csv(.gz) (FIRST)", exists=True, dir_okay=False, readable=True
        ),
    ] = None,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="Instantanés livrés / shipped snapshots")
    ] = False,
) -> None:
    """Charge KEV et/ou EPSS dans la base / load KEV and/or EPSS into the database."""
    from cyber360.assess import feeds_service
    from cyber360.assess.feeds import FeedError
    from cyber360.core.audit import Actor
    from cyber360.core.db import make_engine, make_session_factory
    from cyber360.core.uow import UnitOfWork

    if not (kev or epss or bundled):
        console.print("[red]Indiquez --kev, --epss ou --bundled / give --kev, --epss or --bundled[/red]")
        raise typer.Exit(2)
    engine = make_engine(get_settings().resolved_database_url())
    factory = make_session_factory(engine)
    actor = Actor.system("cli:feeds")
    try:
        with UnitOfWork(factory, request_id="cli-feeds") as uow:
            started = time.perf_counter()
            loads = []
            if bundled:
                loads += feeds_service.import_bundled(uow, actor=actor)
            if kev:
                loads.append(feeds_service.import_kev(uow, _opener(kev), actor=actor))
            if epss:
                loads.append(feeds_service.import_epss(uow, _opener(epss), actor=actor))
            elapsed = time.perf_counter() - started
    except FeedError as error:
        console.print(f"[red]{error.message}[/red] ({error.code})")
        raise typer.Exit(1) from error
    finally:
        engine.dispose()
    for load in loads:
        console.print(
            f"[green]{load.name.upper()}[/green] : {load.entries} entrées / entries "
            f"(version {load.version or '?'}, {load.released or '?'})"
        )
    console.print(f"Durée / time: {elapsed:.1f} s")
