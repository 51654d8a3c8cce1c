"""How CLI commands get the App: built once per invocation from the environment, on first use."""

from __future__ import annotations

import click

from consultant.app import App, build_app, prepare
from consultant.settings import Settings, SettingsError


def get_app(ctx: click.Context, *, load_codes: bool = True) -> App:
    root = ctx.find_root()
    root.ensure_object(dict)
    app: App | None = root.obj.get("app")
    if app is None:
        try:
            settings = Settings.from_env()
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from exc
        app = build_app(settings)
        prepare(app, load_codes=load_codes, progress=True)
        root.obj["app"] = app
        root.call_on_close(app.close)
    return app
