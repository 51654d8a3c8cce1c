"""Jinja2 environments for mail and pages. User text is always data passed in, never a template."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


@cache
def template_env(directory: Path = TEMPLATES_DIR) -> Environment:
    """Autoescape for .html templates; plain-text templates are not escaped (they are sent as text/plain)."""
    env = Environment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the package; do not stat them on every render
    )
    return env


def render(name: str, **context: object) -> str:
    return template_env().get_template(name).render(**context)
