from __future__ import annotations

from consultant.intake.html_text import html_to_text
from consultant.intake.parse import parse_mail
from consultant.intake.question_text import question_text, strip_reply


def test_signature_removed() -> None:
    assert strip_reply("Is E11.22 right?\n\n-- \nPat\n555-123-4567\n") == "Is E11.22 right?"


def test_quoted_reply_removed() -> None:
    text = "What about N18.32?\n\nOn Tue, 3 Mar 2026 at 10:00, CaseConsultant <c@x.test> wrote:\n> Use E11.22\n> first.\n"
    assert strip_reply(text) == "What about N18.32?"


def test_outlook_original_message_removed() -> None:
    text = (
        "New question: 99214?\n\n-----Original Message-----\nFrom: CaseConsultant\nSent: Monday\n\nOld E11.9"
    )
    assert strip_reply(text) == "New question: 99214?"


def test_inline_quote_lines_dropped() -> None:
    assert strip_reply("> quoted E11.9\nMy question: E11.22?") == "My question: E11.22?"


def test_html_to_text_drops_script_style_and_marks_blockquotes() -> None:
    html = (
        "<html><head><style>.x{}</style><script>alert(1)</script></head><body><p>Is <b>E11.22</b> ok?</p>"
        "<blockquote>old N18.31</blockquote></body></html>"
    )
    text = html_to_text(html)
    assert "alert" not in text and ".x{}" not in text
    assert "Is E11.22 ok?" in text
    assert "> old N18.31" in text


def test_html_only_mail_becomes_text_without_quotes() -> None:
    raw = (
        b"From: a@b.test\r\nSubject: s\r\nContent-Type: text/html\r\n\r\n"
        b"<p>Question: E11.22?</p><blockquote>earlier N18.31</blockquote>"
    )
    assert question_text(parse_mail(raw)) == "Question: E11.22?"
