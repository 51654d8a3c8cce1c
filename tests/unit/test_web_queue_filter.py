"""Reading the queue's filter from a URL, and writing it back."""

from __future__ import annotations

from urllib.parse import parse_qsl

from consultant.web.queue import QueueFilter, QueuePage, parse_filter


def test_defaults_show_waiting_drafts_oldest_first() -> None:
    f = parse_filter({})
    assert (f.state, f.age, f.plan, f.mine, f.codes, f.sort, f.page) == (
        "pending",
        "any",
        "",
        False,
        "any",
        "oldest",
        1,
    )
    assert f.query_string() == ""


def test_unknown_values_fall_back_to_defaults() -> None:
    f = parse_filter(
        {
            "state": "deleted",
            "age": "old",
            "sort": "random",
            "codes": "maybe",
            "page": "-3",
            "plan": "pro'; drop table",
            "mine": "perhaps",
        }
    )
    assert f == QueueFilter()
    assert parse_filter({"page": "x"}).page == 1
    assert parse_filter({"page": "99999999"}).page == 10_000


def test_known_values_round_trip_through_the_query_string() -> None:
    params = {
        "state": "sent",
        "age": "overdue",
        "plan": "pro",
        "mine": "1",
        "codes": "yes",
        "sort": "newest",
        "page": "3",
    }
    f = parse_filter(params)
    assert f == QueueFilter("sent", "overdue", "pro", True, "yes", "newest", 3)
    assert dict(parse_qsl(f.query_string())) == params
    assert dict(parse_qsl(f.query_string(page=1, state="pending"))) == {
        "age": "overdue",
        "plan": "pro",
        "mine": "1",
        "codes": "yes",
        "sort": "newest",
    }


def test_page_arithmetic() -> None:
    page = QueuePage(filter=QueueFilter(page=2, per_page=50), rows=[], counts={}, total=120)
    assert page.pages == 3
    assert QueuePage(filter=QueueFilter(), rows=[], counts={}, total=0).pages == 1
