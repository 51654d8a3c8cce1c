"""`consultant` command line: one group, each part's commands in its own module."""

from __future__ import annotations

import click

from consultant import __version__
from consultant.cli import accounts, coders, codes, imap, queue, run, web


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="consultant")
def cli() -> None:
    """CaseConsultant: email-driven medical-coding consultations."""


for module in (run, queue, codes, accounts, coders, web, imap):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="consultant")
