"""Mail HTML made safe to show a coder: nh3 (ammonia) keeps harmless formatting and drops the rest.

- scripts, styles, forms, frames and event-handler attributes go (nh3 allows none of them);
- links keep only http, https and mailto targets, so `javascript:` and `data:` links lose their href;
- remote images are blocked: an <img> whose source is not inline (`data:` / `cid:`) loses its src and
  shows its alt text instead, so opening a question never tells the sender it was read (tracking pixels).
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
_DROP_WITH_CONTENT = {"script", "style", "title", "noscript", "template", "iframe", "object", "svg", "math"}
_INLINE_IMAGE = ("data:image/", "cid:")
_LINK_TARGETS = ("http:", "https:", "mailto:", "#")


@dataclass(frozen=True)
class SafeHtml:
    html: str
    blocked_images: int


def sanitize_mail_html(html: str) -> SafeHtml:
    blocked = 0

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        lowered = value.strip().lower()
        if tag == "img" and attribute == "src":
            if lowered.startswith(_INLINE_IMAGE) and not lowered.startswith("data:image/svg"):
                return value
            blocked += 1
            return None
        if tag == "a" and attribute == "href" and not lowered.startswith(_LINK_TARGETS):
            return None  # `data:` and `cid:` are allowed for inline images only, never as a link
        return value

    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto", "data", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return SafeHtml(html=cleaned, blocked_images=blocked)
