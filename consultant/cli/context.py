"""How CLI commands get the App: built once per invocation from the environment, on first use."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from consultant.app import App, build_app, prepare
from consultant.quota.plans import PlanError
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
        try:
            app = build_app(settings)
            prepare(app, load_codes=load_codes, progress=True)
        except (ArgumentError, NoSuchModuleError, OperationalError, ModuleNotFoundError) as exc:
            # A mistyped URL or a database that is not there is an operator's error, not a crash:
            # one line naming the setting beats a page of SQLAlchemy traceback.
            raise click.ClickException(database_problem(settings.database_url, exc)) from exc
        except (SettingsError, PlanError) as exc:  # settings checked when their part is built (relay, plans)
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # a folder for the database, spool or mailboxes that cannot be made
            raise click.ClickException(
                f"cannot prepare {exc.filename or settings.home}: {exc.strerror or exc}"
            ) from exc
        root.obj["app"] = app
        root.call_on_close(app.close)
    return app


def database_problem(url: str, exc: BaseException) -> str:
    """One line saying which database could not be used and why (the password hidden)."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = url
    orig = getattr(exc, "orig", None)  # the driver's own error inside SQLAlchemy's wrapper
    if isinstance(exc, ArgumentError):
        reason = (
            "this is not a database URL (e.g. sqlite:////path/consultant.sqlite3, postgresql://user@host/db)"
        )
    elif isinstance(exc, (NoSuchModuleError, ModuleNotFoundError)):
        reason = "no driver for this kind of database is installed (use sqlite:// or postgresql://)"
    else:
        reason = (str(orig) if orig is not None else str(exc)).strip().splitlines()[0]
    return f"cannot use the database CONSULTANT_DATABASE_URL={shown}: {reason}"
