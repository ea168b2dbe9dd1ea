"""The command line: one module per command group, all registered on one Typer app."""

from cyber360.cli.app import app


def main() -> None:
    """Entry point of the ``cyber360`` command."""
    # Importing the modules registers their commands on ``app``.
    from cyber360.cli import cover, feeds, platform, quantify  # noqa: F401

    app()
