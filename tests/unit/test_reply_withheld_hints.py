"""A code withheld over quota is not described in the reply, and its notes must not slip out through the
hints either (the demo's guest was told "N18.31 is not described here" above N18.31's code-first notes)."""

from __future__ import annotations

import re

from consultant.outbound.reply import render_reply
from tests.unit.test_reply_render import facts, view

HINTS = [
    "E11.22: use additional code: stage of CKD (N18.1-N18.6) — N18.31 asked about answers this",
    "N18.31: code first: diabetic chronic kidney disease (E08.22, E11.22)",
    "Excludes1 conflict: N18.31 and E11.22 are not coded together (Excludes1 note of N18.31: secret-n18)",
    "Excludes1 conflict: E11.22 and N18.31 are not coded together (Excludes1 note of E11.22: shown-e11)",
    "Modifier 59: distinct procedural service",
]


def html_hints(html: str) -> list[str]:
    return re.findall(r"• (.*?)</div>", html)


def test_hints_drawn_from_a_withheld_code_stay_out_of_the_reply() -> None:
    r = render_reply(view(facts=facts(hints=HINTS)))
    kept = [HINTS[0], HINTS[3], HINTS[4]]
    assert [line[2:] for line in r.text.splitlines() if line.startswith("* ")] == kept
    assert html_hints(r.html) == kept
    assert "code first: diabetic chronic" not in r.text + r.html
    assert "secret-n18" not in r.text + r.html


def test_every_hint_goes_out_when_nothing_is_withheld() -> None:
    codes = facts()["codes"]
    both_shown = [{**c, "shown": True} for c in codes]
    r = render_reply(view(facts=facts(codes=both_shown, withheld=[], hints=HINTS)))
    assert [line[2:] for line in r.text.splitlines() if line.startswith("* ")] == HINTS
    assert len(html_hints(r.html)) == len(HINTS)
