from __future__ import annotations

from typing import Any

from consultant.outbound.reply import ReplyView, render_reply


def facts(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "codes": [
            {
                "system": "icd10cm",
                "code": "E11.22",
                "descriptor": "Type 2 diabetes mellitus with diabetic CKD",
                "release": "FY2026",
                "billable": True,
                "plain_description": None,
                "modifiers": [],
                "units": None,
                "ambiguous": [],
                "mue": None,
                "notes": {"use_additional_code": ["stage of CKD (N18.1-N18.6)"]},
                "shown": True,
                "short_descriptor": "",
            },
            {
                "system": "icd10cm",
                "code": "N18.31",
                "descriptor": "CKD stage 3a",
                "release": "FY2026",
                "billable": True,
                "plain_description": None,
                "modifiers": [],
                "units": None,
                "ambiguous": [],
                "mue": None,
                "notes": {},
                "shown": False,
                "short_descriptor": "",
            },
        ],
        "edits": [],
        "hints": [],
        "withheld": ["icd10cm:N18.31"],
    }
    base.update(over)
    return base


def view(answer: str = "Use **E11.22** first.", **over: Any) -> ReplyView:
    values: dict[str, Any] = {
        "token": "CC-7K2F9",
        "subject": "Diabetes",
        "to_address": "pat@example.test",
        "answer_markdown": answer,
        "facts": facts(),
        "plan": "guest",
        "plan_title": "Guest",
        "remaining": 0,
        "service_name": "CaseConsultant",
        "registration_url": "http://x.test/register/TOKEN",
    }
    values.update(over)
    return ReplyView(**values)


def test_shown_codes_described_withheld_codes_announced() -> None:
    r = render_reply(view())
    assert r.subject == "Re: Diabetes [CC-7K2F9]"
    assert "Type 2 diabetes mellitus with diabetic CKD" in r.text
    assert "CKD stage 3a" not in r.text and "CKD stage 3a" not in r.html
    assert "0 code page views remaining: N18.31 is not described here." in r.text
    assert "http://x.test/register/TOKEN" in r.text and 'href="http://x.test/register/TOKEN"' in r.html
    assert "Code page views remaining on your Guest plan: 0" in r.text


def test_answer_markdown_rendered_and_raw_html_escaped() -> None:
    r = render_reply(view("**Bold** <script>alert(1)</script> {{ 7*7 }}"))
    assert "<strong>Bold</strong>" in r.html
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    assert "{{ 7*7 }}" in r.text and "49" not in r.text


def test_descriptor_text_is_escaped_in_html() -> None:
    f = facts()
    f["codes"][0]["descriptor"] = "<img src=x onerror=alert(1)>"
    r = render_reply(view(facts=f))
    assert "<img src=x" not in r.html and "&lt;img" in r.html


def test_info_request_carries_no_code_facts() -> None:
    r = render_reply(view("Which stage of CKD?", kind="info_request"))
    assert "Type 2 diabetes" not in r.text and "0 code page views remaining:" not in r.text
    assert "needs a little more information" in r.text


def test_paid_plan_offers_upgrade_not_registration() -> None:
    r = render_reply(
        view(
            plan="pro",
            plan_title="Professional",
            registration_url=None,
            upgrade_url="http://x.test/plans",
            remaining=0,
        )
    )
    assert "Upgrade your plan" in r.text and "/register/" not in r.text


def test_consultation_limit_is_named_instead_of_views() -> None:
    f = facts(quota={"plan": "pro", "consultation_limit": True})
    r = render_reply(
        view(
            facts=f,
            plan="pro",
            plan_title="Professional",
            registration_url=None,
            upgrade_url="http://x.test/plans",
            remaining=80,
        )
    )
    assert "Professional plan's consultations for this month are used up: N18.31" in r.text
    assert "0 code page views remaining" not in r.text and "0 code page views remaining" not in r.html
