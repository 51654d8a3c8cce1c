"""Helpers for the quota and account tests: accounts and drafts with the rows they need, and a
worker entry point that other OS processes run (`python -m tests.integration.quota_support`)."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from consultant.models import Account, AccountAddress, Consultation, Draft, InboundMessage, Question

NOW = datetime(2026, 3, 10, 9, 30)


def make_account(session: Session, address: str, plan: str = "guest", **kw: object) -> int:
    account = Account(plan=plan, period_start=kw.pop("period_start", NOW), **kw)  # type: ignore[arg-type]
    account.addresses.append(AccountAddress(address=address, primary=True))
    session.add(account)
    session.flush()
    return account.id


def make_drafts(session: Session, account_id: int, n: int, tag: str = "d") -> list[int]:
    """n drafts for the account, each with its own consultation, question and inbound message."""
    ids: list[int] = []
    for i in range(n):
        inbound = InboundMessage(source="test", source_uid=f"{tag}-{account_id}-{i}", sha256=f"{i:064d}")
        session.add(inbound)
        session.flush()
        consultation = Consultation(token=f"T{account_id}{tag}{i}"[:16], account_id=account_id)
        session.add(consultation)
        session.flush()
        question = Question(
            consultation_id=consultation.id, inbound_message_id=inbound.id, from_address="x@example.org"
        )
        session.add(question)
        session.flush()
        draft = Draft(consultation_id=consultation.id, question_id=question.id, account_id=account_id)
        session.add(draft)
        session.flush()
        ids.append(draft.id)
    return ids


def schema_of(session: Session) -> str:
    return str(session.execute(text("select current_schema()")).scalar_one())


def _worker(url: str, schema: str, account_id: int, draft_ids: list[int], go_file: str, out: str) -> None:
    """One thread per draft, each its own connection: reserve, then (every other draft) charge, in
    separate transactions, starting when `go_file` appears. Writes how many views each draft got."""
    import threading

    from consultant.db.engine import make_engine, make_session_factory
    from consultant.quota.ledger import charge, reserve
    from consultant.quota.plans import load_plans

    plans = load_plans()
    if url.startswith("sqlite"):
        engine = make_engine(url, pool_size=len(draft_ids), max_overflow=0)
    else:
        engine = make_engine(
            url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=len(draft_ids), max_overflow=0
        )
    sessions = make_session_factory(engine)
    warm = [engine.connect() for _ in draft_ids]  # connect and import everything before the start signal
    for conn in warm:
        conn.execute(text("select 1"))
        conn.close()
    Path(out + ".ready").touch()
    deadline = time.monotonic() + 30
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    got: dict[int, int] = {}

    def work(i: int, draft_id: int) -> None:
        with sessions.begin() as s:
            pages = [f"icd10cm:P{draft_id}", f"hcpcs:Q{draft_id}"]
            got[draft_id] = len(reserve(s, account_id, draft_id, pages, plans, NOW).reserve)
        if i % 2 == 0:
            with sessions.begin() as s:
                charge(s, draft_id, NOW)

    threads = [threading.Thread(target=work, args=(i, d)) for i, d in enumerate(draft_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    Path(out).write_text(json.dumps([got[d] for d in draft_ids]))


if __name__ == "__main__":
    url, schema, account, drafts, go, out = sys.argv[1:7]
    _worker(url, schema, int(account), json.loads(drafts), go, out)
