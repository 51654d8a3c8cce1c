"""The composition root: the one place that turns Settings into engines, folders and senders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from consultant.codes.service import CodeService
from consultant.db.base import utcnow
from consultant.db.engine import make_engine, make_read_session_factory, make_session_factory
from consultant.mail.maildir import Maildir
from consultant.outbound.transport import Transport, transport_for
from consultant.quota.plans import Plans, load_plans
from consultant.settings import Settings


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]  # never takes SQLite's write lock: for look-ups and pages
    spool: Maildir
    drop: Maildir
    quarantine: Maildir
    transport: Transport
    plans: Plans
    codes: CodeService
    clock: Callable[[], datetime] = field(default=utcnow)

    def close(self) -> None:
        self.engine.dispose()


def build_app(
    settings: Settings,
    *,
    transport: Transport | None = None,
    codes: CodeService | None = None,
    engine: Engine | None = None,
) -> App:
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    read_sessions = make_read_session_factory(engine)
    if codes is None:
        from consultant.codes.db_service import DbCodeService

        codes = DbCodeService(read_sessions)
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        read_sessions=read_sessions,
        spool=Maildir(settings.spool_dir),
        drop=Maildir(settings.drop_dir),
        quarantine=Maildir(settings.quarantine_dir),
        transport=transport or transport_for(settings),
        plans=load_plans(settings.plans_file),
        codes=codes,
    )


def prepare(app: App, *, load_codes: bool = True, progress: bool = False) -> None:
    """Create folders, migrate the database, and load the bundled code sets the first time."""
    from consultant.db.migrate import upgrade

    for box in (app.spool, app.drop, app.quarantine, Maildir(app.settings.sent_dir)):
        box.create()
    upgrade(app.engine)
    if load_codes:
        from consultant.codes.bundled import ensure_bundled_codesets

        ensure_bundled_codesets(app.sessions, progress=progress)
