"""Mail HTML shown to coders: nothing that runs, no remote fetches, harmless formatting kept."""

from __future__ import annotations

import pytest

from consultant.web.sanitize import sanitize_mail_html


def test_scripts_and_event_handlers_are_removed() -> None:
    out = sanitize_mail_html('<p onclick="x()">Hi<script>alert(1)</script><img src=x onerror="alert(2)"></p>')
    assert "script" not in out.html and "alert" not in out.html
    assert "onclick" not in out.html and "onerror" not in out.html
    assert out.html.startswith("<p>Hi")


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>1</script>", "vbscript:x"]
)
def test_dangerous_link_targets_lose_their_href(href: str) -> None:
    out = sanitize_mail_html(f'<a href="{href}">click</a>')
    assert "href" not in out.html
    assert ">click</a>" in out.html


def test_safe_links_are_kept_and_marked_nofollow() -> None:
    out = sanitize_mail_html('<a href="https://www.cms.gov/">CMS</a> <a href="mailto:a@b.test">mail</a>')
    assert 'href="https://www.cms.gov/"' in out.html
    assert 'href="mailto:a@b.test"' in out.html
    assert "noopener" in out.html and "nofollow" in out.html


def test_remote_images_are_blocked_and_counted_inline_ones_kept() -> None:
    out = sanitize_mail_html(
        '<img src="https://tracker.test/p.gif" alt="pixel"><img src="http://x.test/a.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline"><img src="data:image/svg+xml,<svg/>">'
    )
    assert "tracker.test" not in out.html and "x.test" not in out.html
    assert 'alt="pixel"' in out.html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out.html
    assert "svg" not in out.html  # SVG can carry script: never inline
    assert out.blocked_images == 3


def test_styles_frames_and_forms_are_dropped_with_their_content() -> None:
    out = sanitize_mail_html(
        "<style>body{background:url(https://t.test/x)}</style><iframe src='https://t.test'></iframe>"
        "<form action='https://t.test'><input name=a></form><p style='background:url(https://t.test/y)'>ok</p>"
    )
    assert "t.test" not in out.html
    assert "ok" in out.html
