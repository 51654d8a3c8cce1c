"""`consultant codes` commands: import and status (code sets); extract and search (detection)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from consultant.cli.context import get_app


@click.group("codes")
def codes() -> None:
    """Code sets: import releases, show what is loaded, find codes in text, search descriptions."""


@codes.command("import")
@click.argument("kind")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--release", "release", default=None, help="Release name (default: from the file), e.g. FY2027."
)
@click.option(
    "--effective",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First date of service the release applies to (default: from the file).",
)
@click.option(
    "--setting", default=None, help="NCCI: practitioner | hospital. MUE: practitioner | outpatient | dme."
)
@click.pass_context
def import_command(
    ctx: click.Context,
    kind: str,
    files: tuple[Path, ...],
    release: str | None,
    effective: datetime | None,
    setting: str | None,
) -> None:
    """Import a code-set FILE of KIND as a new release (a .zip holding it is fine).

    KIND: icd10cm-xml, icd10cm-order, icd10pcs, hcpcs, cpt-long, cpt-consumer, cpt-clinician,
    cpt-modifiers, ncci-ptp (one or more part files), mue.
    """
    from consultant.codes.files import WrongFile
    from consultant.codes.importers import ImportRequest, run_import
    from consultant.codes.progress import progress_bar
    from consultant.codes.store import ReleaseConflict

    effective_date = effective.date() if effective else None
    request = ImportRequest(kind, files, release=release, effective=effective_date, setting=setting)
    app = get_app(ctx, load_codes=False)
    try:
        with progress_bar(f"Importing {kind}") as update:
            outcome = run_import(app.sessions, request, update)
    except (WrongFile, ReleaseConflict) as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    click.echo(outcome.summary())


@codes.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Each system's releases, code counts, effective dates, and how out of date the newest one is."""
    from consultant.codes.status import release_statuses

    app = get_app(ctx, load_codes=False)
    with app.sessions() as session:
        statuses = release_statuses(session, app.clock().date())
    if as_json:
        click.echo(json.dumps({"releases": [s.as_json() for s in statuses]}, indent=2))
        return
    if not statuses:
        click.echo("No code sets loaded.")
        return
    for s in statuses:
        counts = ", ".join(f"{n:,} {k}" for k, n in s.counts.items())
        until = s.effective_to or "open"
        click.echo(f"{s.label:<26} {s.name:<14} {s.effective_from} .. {until:<10}  {counts}")
        if s.newest:
            click.echo(f"{'':<26} {s.advice}")


COMMANDS: list[click.Command] = [codes]
