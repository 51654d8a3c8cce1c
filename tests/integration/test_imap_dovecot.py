"""The IMAP source against a real Dovecot started for this module. Each test polls a mailbox of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from imapclient import IMAPClient

from consultant.app import App, build_app, prepare
from consultant.cli.main import cli
from consultant.mail.maildir import Maildir
from consultant.sources import imap_ledger
from consultant.sources.imap import poll_once
from consultant.sources.imap_server import connect
from consultant.sources.imap_target import ImapTarget, parse_imap_url
from tests.conftest import make_settings, skip_or_fail
from tests.integration import dovecot

pytestmark = [pytest.mark.integration, pytest.mark.dovecot]


@pytest.fixture(scope="module")
def server() -> Iterator[dovecot.DovecotServer]:
    if not dovecot.installed():
        skip_or_fail(f"dovecot-imapd not installed: {dovecot.DOVECOT} or {dovecot.IMAP} is missing")
    srv = dovecot.start()
    yield srv
    dovecot.stop(srv)
    dovecot.remove(srv)


@pytest.fixture
def mailbox() -> str:
    return f"Questions-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def imap_app(server: dovecot.DovecotServer, mailbox: str, tmp_path: Path) -> Iterator[App]:
    settings = make_settings(
        tmp_path,
        imap_url=server.url(mailbox),
        imap_processed_folder=f"{mailbox}-done",
        imap_rejected_folder=f"{mailbox}-rejected",
    )
    app = build_app(settings)
    prepare(app, load_codes=False)
    yield app
    app.close()


@pytest.fixture
def imap(server: dovecot.DovecotServer, mailbox: str) -> Iterator[IMAPClient]:
    """The test's own connection, to put mail in and look at the server afterwards."""
    client = IMAPClient(server.host, server.port, ssl=False, timeout=10)
    client.login(server.username, server.password)
    client.create_folder(mailbox)
    yield client
    client.logout()


def message(n: int, body: str = "Can I bill 38242 with 38241 on the same day?") -> bytes:
    return (
        f"From: asker{n}@example.org\r\nTo: consult@caseconsultant.localhost\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <q{n}.{uuid.uuid4().hex}@example.org>\r\n"
        f"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def spooled(app: App) -> list[bytes]:
    return [app.spool.read(k) for k in app.spool.keys()]  # noqa: SIM118 - a Maildir, not a dict


def uids_in(client: IMAPClient, folder: str) -> list[int]:
    if not client.folder_exists(folder):
        return []
    client.select_folder(folder, readonly=True)
    found = list(client.search("ALL"))
    client.close_folder()
    return found


def bodies_in(client: IMAPClient, folder: str) -> list[bytes]:
    client.select_folder(folder, readonly=True)
    data = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    client.close_folder()
    return sorted(bytes(v[b"BODY[]"]) for v in data.values())


def test_poll_spools_each_message_once_and_moves_it_to_processed(
    imap_app: App, imap: IMAPClient, mailbox: str
) -> None:
    sent = [message(n) for n in range(3)]
    for raw in sent:
        imap.append(mailbox, raw)

    first = poll_once(imap_app)

    assert (first.fetched, first.skipped, first.errors) == (3, 0, 0), first
    assert sorted(spooled(imap_app)) == sorted(sent)
    assert uids_in(imap, mailbox) == []
    assert bodies_in(imap, f"{mailbox}-done") == sorted(sent)
    # Nothing was marked \Seen on the way: we only PEEKed.
    imap.select_folder(f"{mailbox}-done", readonly=True)
    flags = imap.get_flags(imap.search("ALL"))
    imap.close_folder()
    assert all(b"\\Seen" not in f for f in flags.values())

    ledger = imap_ledger.seen_for(
        imap_app.sessions, parse_imap_url(imap_app.settings.imap_url or "").ledger_name
    )
    assert sorted(row.spool_key or "" for row in ledger) == sorted(imap_app.spool.keys())

    second = poll_once(imap_app)
    assert (second.fetched, second.skipped, second.errors) == (0, 0, 0), second
    assert len(imap_app.spool.keys()) == 3


class _MoveFails:
    """Wraps a real client; the move after the commit fails, as if the worker died there."""

    def __init__(self, target: ImapTarget) -> None:
        self._client = connect(target)

    def __getattr__(self, name: str) -> Any:
        if name in ("move", "copy", "add_flags"):
            raise_ = OSError("simulated crash between the commit and the move")

            def boom(*_a: object, **_k: object) -> None:
                raise raise_

            return boom
        return getattr(self._client, name)


def test_crash_after_commit_before_move_gives_no_duplicate(
    imap_app: App, imap: IMAPClient, mailbox: str
) -> None:
    raw = message(1)
    imap.append(mailbox, raw)

    crashed = poll_once(imap_app, client_factory=_MoveFails)  # type: ignore[arg-type]
    assert crashed.errors == 1 and "simulated crash" in crashed.error
    assert spooled(imap_app) == [raw]
    assert len(uids_in(imap, mailbox)) == 1  # still on the server

    again = poll_once(imap_app, force=True)  # force: the failure scheduled a back-off

    assert (again.fetched, again.skipped, again.errors) == (0, 1, 0), again
    assert spooled(imap_app) == [raw]
    assert uids_in(imap, mailbox) == []
    assert bodies_in(imap, f"{mailbox}-done") == [raw]


def test_crash_between_spool_write_and_commit_gives_no_duplicate(
    imap_app: App, imap: IMAPClient, mailbox: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = message(2)
    imap.append(mailbox, raw)

    def commit_fails(*_a: object, **_k: object) -> None:
        raise OSError("simulated crash before the ledger commit")

    monkeypatch.setattr(imap_ledger, "record", commit_fails)
    crashed = poll_once(imap_app)
    monkeypatch.undo()
    assert crashed.errors == 1 and crashed.fetched == 0
    [key] = imap_app.spool.keys()
    # Intake took the orphan meanwhile: it is in cur/ now, and must not come back into new/.
    imap_app.spool.mark_done(key)

    again = poll_once(imap_app, force=True)

    assert (again.fetched, again.errors) == (1, 0), again
    assert imap_app.spool.keys() == []
    assert [p.name for p in imap_app.spool.iter_cur()] == [f"{key}:2,S"]
    assert uids_in(imap, mailbox) == []


def test_uidvalidity_change_is_recorded_and_reused_uids_are_fetched(
    imap_app: App, imap: IMAPClient, mailbox: str
) -> None:
    before = message(1)
    imap.append(mailbox, before)
    assert poll_once(imap_app).fetched == 1
    # Recreating the mailbox gives it a new UIDVALIDITY, and the next message gets UID 1 again.
    imap.delete_folder(mailbox)
    imap.create_folder(mailbox)
    after = message(2)
    imap.append(mailbox, after)
    imap.select_folder(mailbox, readonly=True)
    assert imap.search("ALL") == [1]
    imap.close_folder()

    result = poll_once(imap_app)

    assert result.uidvalidity_changed and result.fetched == 1, result
    assert sorted(spooled(imap_app)) == sorted([before, after])
    name = parse_imap_url(imap_app.settings.imap_url or "").ledger_name
    state = imap_ledger.mailbox_state(imap_app.sessions, name)
    assert state is not None and state.uidvalidity_changed_at is not None
    assert len({row.uidvalidity for row in imap_ledger.seen_for(imap_app.sessions, name)}) == 2


def test_oversize_mail_is_recorded_and_moved_to_rejected_without_fetching(
    imap_app: App, imap: IMAPClient, mailbox: str
) -> None:
    small, big = message(1), message(2, body="x" * 5000)
    imap.append(mailbox, small)
    imap.append(mailbox, big)
    imap_app.settings = replace(imap_app.settings, max_message_bytes=2000)

    result = poll_once(imap_app)

    assert (result.fetched, result.rejected, result.errors) == (1, 1, 0), result
    assert spooled(imap_app) == [small]
    assert bodies_in(imap, f"{mailbox}-rejected") == [big]
    assert bodies_in(imap, f"{mailbox}-done") == [small]
    name = parse_imap_url(imap_app.settings.imap_url or "").ledger_name
    reasons = sorted(r.reason for r in imap_ledger.seen_for(imap_app.sessions, name))
    assert reasons == ["", "oversize"]


class _NoMove:
    """A real client that does not advertise MOVE, so the COPY + \\Deleted + EXPUNGE path is taken."""

    def __init__(self, target: ImapTarget) -> None:
        self._client = connect(target)

    def has_capability(self, capability: str) -> bool:
        return capability.upper() != "MOVE" and bool(self._client.has_capability(capability))

    def move(self, *_a: object) -> None:
        raise AssertionError("MOVE must not be used when the server does not offer it")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_without_move_capability_copy_delete_expunge(imap_app: App, imap: IMAPClient, mailbox: str) -> None:
    raws = [message(1), message(2)]
    for raw in raws:
        imap.append(mailbox, raw)
    # Someone flagged this one \Deleted without expunging: UID EXPUNGE of our UIDs must leave it alone.
    imap.append(mailbox, message(3), flags=[b"\\Deleted"])

    result = poll_once(imap_app, client_factory=_NoMove)  # type: ignore[arg-type]

    assert (result.fetched, result.errors) == (2, 0), result
    assert len(uids_in(imap, mailbox)) == 1
    assert bodies_in(imap, f"{mailbox}-done") == sorted(raws)


def _flags(client: IMAPClient, folder: str) -> list[bool]:
    """Whether each message in the folder is \\Seen, by UID order."""
    client.select_folder(folder, readonly=True)
    flags = client.get_flags(client.search("ALL"))
    client.close_folder()
    return [b"\\Seen" in flags[uid] for uid in sorted(flags)]


def test_flag_mode_leaves_mail_in_place_marked_seen(imap_app: App, imap: IMAPClient, mailbox: str) -> None:
    imap_app.settings = replace(imap_app.settings, imap_processed_folder=None)
    unread = message(1)
    # A person looked at this one in a mail client before the poller ran: it is new to us all the same.
    already_read = message(2)
    imap.append(mailbox, unread)
    imap.append(mailbox, already_read, flags=[b"\\Seen"])

    first = poll_once(imap_app)
    second = poll_once(imap_app)

    assert (first.fetched, first.errors) == (2, 0), first
    assert (second.fetched, second.skipped, second.errors) == (0, 0, 0), second
    assert sorted(spooled(imap_app)) == sorted([unread, already_read])
    assert _flags(imap, mailbox) == [True, True]

    later = message(3)
    imap.append(mailbox, later, flags=[b"\\Seen"])
    third = poll_once(imap_app)
    assert (third.fetched, third.skipped) == (1, 0), third
    assert sorted(spooled(imap_app)) == sorted([unread, already_read, later])


def test_flag_mode_crash_before_the_flag_is_repaired(imap_app: App, imap: IMAPClient, mailbox: str) -> None:
    imap_app.settings = replace(imap_app.settings, imap_processed_folder=None)
    raw = message(1)
    imap.append(mailbox, raw)

    crashed = poll_once(imap_app, client_factory=_MoveFails)  # type: ignore[arg-type]
    assert (crashed.fetched, crashed.errors) == (1, 1), crashed
    assert _flags(imap, mailbox) == [False]

    again = poll_once(imap_app, force=True)

    assert (again.fetched, again.skipped, again.errors) == (0, 1, 0), again
    assert spooled(imap_app) == [raw]
    assert _flags(imap, mailbox) == [True]


def test_wrong_password_is_recorded_not_raised(
    imap_app: App, server: dovecot.DovecotServer, mailbox: str
) -> None:
    imap_app.settings = replace(
        imap_app.settings, imap_url=f"imap://{server.username}:wrong@{server.host}:{server.port}/{mailbox}"
    )

    result = poll_once(imap_app)

    assert result.errors == 1 and "LoginError" in result.error, result
    assert "wrong" not in result.error
    name = parse_imap_url(imap_app.settings.imap_url or "").ledger_name
    state = imap_ledger.mailbox_state(imap_app.sessions, name)
    assert state is not None and state.failures == 1 and "LoginError" in state.last_error


def test_cli_poll_once(
    server: dovecot.DovecotServer,
    imap: IMAPClient,
    mailbox: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSULTANT_HOME", str(tmp_path))
    monkeypatch.setenv("CONSULTANT_IMAP_URL", server.url(mailbox))
    monkeypatch.setenv("CONSULTANT_IMAP_PROCESSED_FOLDER", f"{mailbox}-done")
    raw = message(1)
    imap.append(mailbox, raw)

    out = CliRunner().invoke(cli, ["imap", "poll", "--once"])

    assert out.exit_code == 0, out.output
    assert "fetched 1, skipped 0, rejected 0, errors 0" in out.output
    spool = Maildir(tmp_path / "mailboxes" / "spool")
    assert [spool.read(k) for k in spool.keys()] == [raw]  # noqa: SIM118 - a Maildir, not a dict


@pytest.mark.postgres
def test_on_postgresql_a_crash_before_the_move_still_gives_one_copy(
    postgres_app: App, server: dovecot.DovecotServer, imap: IMAPClient, mailbox: str
) -> None:
    postgres_app.settings = replace(
        postgres_app.settings, imap_url=server.url(mailbox), imap_processed_folder=f"{mailbox}-done"
    )
    sent = [message(1), message(2)]
    for raw in sent:
        imap.append(mailbox, raw)

    crashed = poll_once(postgres_app, client_factory=_MoveFails)  # type: ignore[arg-type]
    again = poll_once(postgres_app, force=True)

    assert (crashed.fetched, crashed.errors) == (2, 1), crashed
    assert (again.fetched, again.skipped, again.errors) == (0, 2, 0), again
    assert sorted(spooled(postgres_app)) == sorted(sent)
    assert bodies_in(imap, f"{mailbox}-done") == sorted(sent)


def test_imap_mail_becomes_exactly_one_draft_through_intake(
    imap_app: App, imap: IMAPClient, mailbox: str
) -> None:
    """The bytes the poller spools are what intake expects; a crash before the move adds no second draft."""
    from sqlalchemy import select

    from consultant.intake.pipeline import drain_spool
    from consultant.models import InboundMessage

    imap.append(mailbox, message(1))

    crashed = poll_once(imap_app, client_factory=_MoveFails)  # type: ignore[arg-type]
    first = drain_spool(imap_app)
    again = poll_once(imap_app, force=True)
    second = drain_spool(imap_app)

    assert (crashed.fetched, again.fetched, again.skipped) == (1, 0, 1)
    assert [o.state for o in first] == ["drafted"] and second == []
    with imap_app.sessions() as s:
        rows = s.scalars(select(InboundMessage)).all()
    assert [(r.state, r.from_address) for r in rows] == [("drafted", "asker1@example.org")]


def _race(app: App, imap: IMAPClient, mailbox: str, server: dovecot.DovecotServer) -> None:
    """Four workers poll the same mailbox at once: each message is spooled and recorded exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    app.settings = replace(
        app.settings, imap_url=server.url(mailbox), imap_processed_folder=f"{mailbox}-done"
    )
    sent = [message(n) for n in range(20)]
    imap.multiappend(mailbox, sent)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: poll_once(app), range(4)))

    assert sum(r.errors for r in results) == 0, results
    assert sum(r.fetched for r in results) == 20, results
    assert sorted(spooled(app)) == sorted(sent)
    name = parse_imap_url(app.settings.imap_url or "").ledger_name
    assert len(imap_ledger.seen_for(app.sessions, name)) == 20
    assert uids_in(imap, mailbox) == []


def test_concurrent_polls_on_sqlite_take_each_message_once(
    imap_app: App, imap: IMAPClient, mailbox: str, server: dovecot.DovecotServer
) -> None:
    _race(imap_app, imap, mailbox, server)


@pytest.mark.postgres
def test_concurrent_polls_on_postgresql_take_each_message_once(
    postgres_app: App, imap: IMAPClient, mailbox: str, server: dovecot.DovecotServer
) -> None:
    _race(postgres_app, imap, mailbox, server)
