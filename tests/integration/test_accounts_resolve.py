"""account_for_sender: alias, organisation domain, guest provisioning, and races between workers."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from consultant.accounts.resolve import account_for_sender
from consultant.app import App
from consultant.models import Account, AccountAddress

NOW = datetime(2026, 3, 1, 12, 0)

pytestmark = pytest.mark.integration


def test_guest_is_provisioned_once_and_found_again(app: App) -> None:
    with app.sessions.begin() as s:
        first = account_for_sender(s, "Ann Example <Ann@Example.org>", NOW)
        assert first.plan == "guest"
        first_id = first.id
    with app.sessions.begin() as s:
        again = account_for_sender(s, "ann@example.org", NOW)
        assert again.id == first_id
        addresses = s.scalars(select(AccountAddress.address)).all()
    assert addresses == ["ann@example.org"]


def test_alias_and_organisation_domain(app: App) -> None:
    with app.sessions.begin() as s:
        org = Account(name="Clinic", plan="pro", domain="clinic.example", period_start=NOW)
        person = Account(name="Bo", plan="free", period_start=NOW)
        person.addresses.append(AccountAddress(address="bo@home.example", primary=True))
        person.addresses.append(AccountAddress(address="bo@work.example"))
        s.add_all([org, person])
        s.flush()
        org_id, person_id = org.id, person.id
    with app.sessions.begin() as s:
        assert account_for_sender(s, "anyone@clinic.example", NOW).id == org_id
        assert account_for_sender(s, "BO@work.example", NOW).id == person_id
        # a sub-domain is not the organisation's domain
        assert account_for_sender(s, "x@sub.clinic.example", NOW).id not in (org_id, person_id)


def _race(app: App, address: str, workers: int) -> set[int]:
    ids: set[int] = set()
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work() -> None:
        try:
            barrier.wait()
            with app.sessions.begin() as s:
                ids.add(account_for_sender(s, address, NOW).id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return ids


def test_concurrent_first_mails_make_one_guest_sqlite(app: App) -> None:
    assert len(_race(app, "race@example.org", 12)) == 1
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1


@pytest.mark.postgres
def test_concurrent_first_mails_make_one_guest_postgres(postgres_app: App) -> None:
    assert len(_race(postgres_app, "race@example.org", 16)) == 1
    with postgres_app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1
