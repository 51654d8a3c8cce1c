"""`consultant web`: serve the review queue, admin pages and JSON API."""

from __future__ import annotations

import click

from consultant.cli.context import get_app
from consultant.settings import SettingsError, _host_port


@click.command("web")
@click.option(
    "--listen",
    metavar="HOST:PORT",
    default=None,
    help="Address to listen on (default: CONSULTANT_WEB_LISTEN, else 127.0.0.1:8000).",
)
@click.pass_context
def web(ctx: click.Context, listen: str | None) -> None:
    """Serve the review queue in the browser."""
    import uvicorn

    from consultant.web import create_app

    try:
        address = _host_port(listen, "--listen") if listen else None
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--listen") from exc
    app = get_app(ctx)
    host, port = address or app.settings.web_listen
    click.echo(f"review queue on http://{host}:{port}/ (public URL {app.settings.public_url})")
    uvicorn.run(create_app(app), host=host, port=port, log_level="info", proxy_headers=True)


COMMANDS: list[click.Command] = [web]
