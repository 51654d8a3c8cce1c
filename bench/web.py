"""Review-queue latency with a big database, against a bare endpoint of the same app in the same run.

    python bench/web.py [CONSULTATIONS] [REQUESTS]

Seeds CONSULTATIONS (default 50,000) consultations, each with its inbound message, question and draft,
spread over 90 days and every draft state (a tenth still waiting), by bulk insert into a fresh SQLite
database. Then serves the app on a loopback port with uvicorn and times REQUESTS (default 300) sequential
requests per page, interleaved, from one signed-in keep-alive client: `/healthz` (the floor: middleware, routing, no
database), the queue's first page, a deep queue page with filters, and random draft pages.
Target: the queue page p95 under 50 ms and within 3x the bare endpoint's p95.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import insert

from consultant.app import build_app, prepare
from consultant.db.base import utcnow
from consultant.models import Account, AccountAddress, Consultation, Draft, InboundMessage, Question
from consultant.settings import Settings
from consultant.web.coders import create_coder
from consultant.web.server import WebServer

PASSWORD = "bench password 1"
STATES = ["sent"] * 70 + ["pending"] * 10 + ["rejected"] * 8 + ["info_requested"] * 7 + ["approved"] * 5
PLANS = ["guest"] * 6 + ["free"] * 2 + ["pro", "practice"]
FACTS = json.dumps(
    {
        "codes": [
            {
                "system": "icd10cm",
                "code": "E11.22",
                "release": "FY2026",
                "shown": True,
                "descriptor": "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                "notes": {"use_additional_code": ["code to identify stage of chronic kidney disease"]},
            }
        ],
        "edits": [],
        "hints": [],
        "candidates": [],
        "withheld": [],
        "quota": {
            "plan": "guest",
            "plan_title": "Guest",
            "allowance": 1,
            "remaining": 0,
            "shown": 1,
            "withheld": 0,
        },
    }
)


def seed(app_sessions: object, n: int, accounts: int) -> float:
    """Bulk insert; returns seconds taken."""
    rng = random.Random(7)
    now = utcnow()
    started = time.perf_counter()
    with app_sessions() as session:  # type: ignore[operator]
        session.execute(
            insert(Account),
            [
                {
                    "id": i,
                    "name": f"Practice {i}",
                    "plan": rng.choice(PLANS),
                    "created_at": now - timedelta(days=200),
                    "period_start": now - timedelta(days=10),
                }
                for i in range(1, accounts + 1)
            ],
        )
        session.execute(
            insert(AccountAddress),
            [
                {
                    "id": i,
                    "account_id": i,
                    "address": f"biller{i}@practice{i}.test",
                    "primary": True,
                    "created_at": now - timedelta(days=200),
                }
                for i in range(1, accounts + 1)
            ],
        )
        inbound, consultations, questions, drafts = [], [], [], []
        for i in range(1, n + 1):
            account = rng.randint(1, accounts)
            at = now - timedelta(minutes=rng.randint(0, 90 * 24 * 60))
            state = rng.choice(STATES)
            subject = f"Question {i} about E11.22 and N18.31"
            sender = f"biller{account}@practice{account}.test"
            inbound.append(
                {
                    "id": i,
                    "source": "bench",
                    "source_uid": str(i),
                    "sha256": f"{i:064x}",
                    "message_id": f"<q{i}@bench.test>",
                    "size": 420,
                    "from_address": sender,
                    "subject": subject,
                    "state": "drafted",
                    "reason": f"draft #{i}",
                    "consultation_id": None,
                    "received_at": at,
                    "processed_at": at,
                    "raw": f"From: {sender}\r\nSubject: {subject}\r\n\r\nIs E11.22 with N18.31 ok?\r\n".encode(),
                }
            )
            consultations.append(
                {
                    "id": i,
                    "token": f"CC-{i:06X}",
                    "account_id": account,
                    "subject": subject,
                    "status": "open",
                    "root_message_id": f"<q{i}@bench.test>",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            questions.append(
                {
                    "id": i,
                    "consultation_id": i,
                    "inbound_message_id": i,
                    "message_id": f"<q{i}@bench.test>",
                    "from_address": sender,
                    "subject": subject,
                    "text": "Type 2 diabetic with CKD 3a: E11.22 with N18.31?",
                    "html": None,
                    "attachments_json": "[]",
                    "unverified": False,
                    "received_at": at,
                }
            )
            decided = None if state == "pending" else at + timedelta(minutes=rng.randint(5, 48 * 60))
            drafts.append(
                {
                    "id": i,
                    "consultation_id": i,
                    "question_id": i,
                    "account_id": account,
                    "state": state,
                    "version": 1,
                    "facts_json": FACTS,
                    "content": "(draft)",
                    "answer": "" if state == "pending" else "Sequence E11.22 first.",
                    "reason": "",
                    "has_codes": i % 3 != 0,
                    "created_at": at,
                    "updated_at": decided or at,
                    "decided_at": decided,
                }
            )
        for table, rows in (
            (InboundMessage, inbound),
            (Consultation, consultations),
            (Question, questions),
            (Draft, drafts),
        ):
            for k in range(0, len(rows), 5000):
                session.execute(insert(table), rows[k : k + 5000])
        session.commit()
    return time.perf_counter() - started


def timed(client: httpx.Client, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        started = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"GET {path} answered {r.status_code}")
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    with tempfile.TemporaryDirectory() as home:
        settings = Settings.from_env({"CONSULTANT_HOME": home})
        app = build_app(settings)
        prepare(app, load_codes=False)
        seconds = seed(app.sessions, n, max(1, n // 10))
        with app.sessions() as session:
            create_coder(session, "bench@caseconsultant.localhost", PASSWORD, "coder", utcnow())
            session.commit()
        print(f"seeded {n:,} consultations (inbound message, question, draft each) in {seconds:.1f} s")
        server = WebServer(app, "127.0.0.1", _free_port())
        server.start()
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                login = client.get("/login").text
                token = re.search(r'name="csrf-token" content="([^"]+)"', login).group(1)  # type: ignore[union-attr]
                client.post(
                    "/login",
                    data={
                        "email": "bench@caseconsultant.localhost",
                        "password": PASSWORD,
                        "csrf_token": token,
                    },
                )
                rng = random.Random(11)
                pages = {
                    "bare /healthz": ["/healthz"] * requests,
                    "queue, first page": ["/queue"] * requests,
                    "queue, filtered, page 20": ["/queue?state=all&codes=yes&sort=newest&page=20"] * requests,
                    "draft page (random)": [f"/drafts/{rng.randint(1, n)}" for _ in range(requests)],
                }
                for paths in pages.values():  # warm up caches and connections
                    timed(client, paths[:20])
                # Interleaved, one request per page in turn, so a busy moment on the machine falls on
                # every page alike instead of on whichever happened to be measured then.
                results: dict[str, list[float]] = {name: [] for name in pages}
                for i in range(requests):
                    for name, paths in pages.items():
                        results[name] += timed(client, [paths[i]])
        finally:
            server.stop()
            app.close()
    floor50 = statistics.median(results["bare /healthz"])
    floor95 = pct(results["bare /healthz"], 0.95)
    print(
        f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'p50/bare':>9} {'p95/bare':>9}   ({requests} requests each)"
    )
    for name, values in results.items():
        p50, p95 = statistics.median(values), pct(values, 0.95)
        print(f"{name:<28} {p50:8.2f} {p95:8.2f} {p50 / floor50:8.2f}x {p95 / floor95:8.2f}x")
    queue95 = pct(results["queue, first page"], 0.95)
    print(
        f"target: queue p95 < 50 ms: {'met' if queue95 < 50 else 'NOT met'} ({queue95:.1f} ms); "
        f"p95 within 3x the bare endpoint: {'met' if queue95 <= 3 * floor95 else 'NOT met'} "
        f"({queue95 / floor95:.2f}x)"
    )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
