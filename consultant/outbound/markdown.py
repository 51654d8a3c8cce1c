"""Coder answers are Markdown; raw HTML in them is shown as text, never passed through."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown_to_html(text: str) -> str:
    return _md().render(text)
