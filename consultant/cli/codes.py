"""`consultant codes` commands: import and status (code sets); extract and search (detection)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
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


@codes.command("extract")
@click.option("--json", "as_json", is_flag=True, help='Print JSON: {"codes": [...]}.')
@click.option(
    "--jsonl", is_flag=True, help='Read {"id": ..., "text": ...} per line; print one result per line.'
)
@click.option(
    "--on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date of service whose releases the codes are checked against (default: today).",
)
@click.pass_context
def extract_command(ctx: click.Context, as_json: bool, jsonl: bool, on: datetime | None) -> None:
    """Find the codes named in text read on stdin (system, code, modifiers, units, ambiguity)."""
    import sys

    from consultant.codes.detect_batch import extract_json, extract_lines
    from consultant.codes.dictionary import CodeDictionary, load_dictionary

    app = get_app(ctx)
    default_day = on.date() if on else app.clock().date()
    built: dict[date, CodeDictionary] = {}

    def dictionary_on(day: date | None) -> CodeDictionary:
        day = day or default_day
        if day not in built:
            with app.sessions() as session:
                built[day] = load_dictionary(session, day)
        return built[day]

    if jsonl:
        for result in extract_lines(sys.stdin, dictionary_on):
            click.echo(json.dumps(result))
        return
    text = sys.stdin.read()
    dictionary = dictionary_on(None)
    result = extract_json(text, dictionary)
    if not result["codes"]:
        # Said on stderr so that stdout stays exactly the (empty) answer for scripts.
        click.echo(nothing_found(text, cpt_loaded=dictionary.size("cpt") > 0), err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for found in result["codes"]:
        extra = "".join(
            [
                f" -{'-'.join(found['modifiers'])}" if found["modifiers"] else "",
                f" x{found['units']}" if found["units"] is not None else "",
                f"  (also valid in: {', '.join(found['ambiguous'])})" if found["ambiguous"] else "",
            ]
        )
        click.echo(f"{found['system']:<9} {found['code']}{extra}")


_CPT_SHAPED = re.compile(r"(?<![\w.])\d{4}[0-9FTU](?![\w.])")


def nothing_found(text: str, *, cpt_loaded: bool) -> str:
    """Why `codes extract` printed nothing: CPT-shaped numbers mean nothing until a CPT release is in."""
    cpt_like = list(dict.fromkeys(_CPT_SHAPED.findall(text)))
    if cpt_like and not cpt_loaded:
        return (
            f"no codes found: {', '.join(cpt_like)} look{'s' if len(cpt_like) == 1 else ''} like CPT, "
            "but no CPT release is loaded (AMA-licensed: consultant codes import cpt-long LONGULT.txt)"
        )
    return "no codes found"


@codes.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.pass_context
def search_command(ctx: click.Context, query: tuple[str, ...], as_json: bool, limit: int) -> None:
    """Full-text search over code descriptions and inclusion terms, best first."""
    from consultant.codes.search import search

    app = get_app(ctx)
    with app.sessions() as session:
        hits = search(session, " ".join(query), limit=limit)
        session.commit()  # the first search on a fresh database builds the index
    if as_json:
        payload = [
            {"system": h.system, "code": h.code, "descriptor": h.descriptor, "score": h.score} for h in hits
        ]
        click.echo(json.dumps({"query": " ".join(query), "hits": payload}, indent=2))
        return
    for h in hits:
        click.echo(f"{h.system:<9} {h.code:<9} {h.descriptor}")


COMMANDS: list[click.Command] = [codes]
