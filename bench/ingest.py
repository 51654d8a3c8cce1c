"""Ingest throughput and draft latency, as ratios against a floor measured in the same run.

    python bench/ingest.py N

1. Builds N varied messages (plain, HTML, multipart with an attachment, follow-ups, auto-replies, lists).
2. Floor: mail-parser's own parse rate over the same bytes (the target is stated against this one).
   A second floor, for explanation only: the bare SQLite rate of inserting the same raw bytes, a row
   each, a transaction per 100 (as intake batches them) — what storing the mail costs with no ORM.
3. Intake: the full pipeline (parse, dedupe, classify, account, thread, question text, code detection and
   facts, quota reservation, draft rendering, one commit per message) on SQLite, messages/s.
4. Latency: with the SMTP receiver and the worker running (as `consultant up` does), the time from the
   SMTP 250 to the draft being visible in the database, p50/p95 over sequential sends.
"""

from __future__ import annotations

import hashlib
import random
import smtplib
import sqlite3
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import mailparser
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consultant.app import build_app, prepare
from consultant.intake.pipeline import drain_spool
from consultant.models import Draft, Question
from consultant.settings import Settings

CODES = ["E11.22", "N18.31", "I10", "J45.909", "S72.001A", "0FT44ZZ", "J1100", "G0438", "M54.50", "Z79.4"]
PHRASES = [
    "Can I bill {a} with {b} on the same day?",
    "Which is primary, {a} or {b}? Patient seen on 3/4 at our 90210 office.",
    "Is {a} billable for a follow-up visit? Claim 12345678 was denied.",
    "Please confirm {a} and tell me whether {b} needs a modifier.",
    "We coded {a} for type 2 diabetes with CKD; call 555-123-4567 if unclear.",
]


def build_messages(n: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    out: list[bytes] = []
    for i in range(n):
        msg = EmailMessage()
        sender = f"user{rng.randrange(n // 4 + 1)}@practice{rng.randrange(50)}.test"
        msg["From"] = f"Biller {i} <{sender}>"
        msg["To"] = "consult@caseconsultant.localhost"
        msg["Message-ID"] = make_msgid(idstring=str(i), domain="bench.test")
        a, b = rng.sample(CODES, 2)
        body = rng.choice(PHRASES).format(a=a, b=b) + "\n\nThanks\n-- \nBilling office\n"
        kind = i % 10
        msg["Subject"] = "Automatic reply: away" if kind == 8 else f"Question {i}"
        if kind == 8:
            msg["Auto-Submitted"] = "auto-replied"
        if kind == 9:
            msg["List-Id"] = "<coding.lists.test>"
        msg.set_content(body)
        if kind in (3, 4):
            msg.add_alternative(
                f"<html><body><p>{body}</p><script>x()</script></body></html>", subtype="html"
            )
        if kind == 5:
            msg.add_attachment(
                b"%PDF-1.4 " + bytes(rng.randrange(256) for _ in range(2000)),
                maintype="application",
                subtype="pdf",
                filename="eob.pdf",
            )
        if kind == 6:
            body = body + "\nOn Mon, 2 Mar 2026, CaseConsultant wrote:\n> earlier answer about E11.9\n"
            msg.set_content(body)
        out.append(msg.as_bytes(policy=SMTP))
    return out


def floor_parse_rate(messages: list[bytes]) -> float:
    start = time.perf_counter()
    for raw in messages:
        mailparser.parse_from_bytes(raw)
    return len(messages) / (time.perf_counter() - start)


def floor_insert_rate(messages: list[bytes], batch: int = 100) -> float:
    with tempfile.TemporaryDirectory() as home:
        conn = sqlite3.connect(Path(home) / "floor.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE inbound (id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE, raw BLOB)")
        start = time.perf_counter()
        for first in range(0, len(messages), batch):
            conn.execute("BEGIN IMMEDIATE")
            for raw in messages[first : first + batch]:
                conn.execute(
                    "INSERT INTO inbound (sha256, raw) VALUES (?, ?)", (hashlib.sha256(raw).hexdigest(), raw)
                )
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return len(messages) / elapsed


def intake_rate(messages: list[bytes]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as home:
        app = build_app(Settings.from_env({"CONSULTANT_HOME": home}))
        prepare(app)
        app.codes.find("E11.22", app.clock().date())  # warm the code dictionary, as a running worker has it
        for raw in messages:
            app.spool.deliver(raw)
        start = time.perf_counter()
        outcomes = drain_spool(app)
        elapsed = time.perf_counter() - start
        drafted = sum(o.state == "drafted" for o in outcomes)
        app.close()
        return len(outcomes) / elapsed, drafted


def draft_latency(count: int) -> list[float]:
    from consultant.sources.smtp import SmtpReceiver
    from consultant.worker import Worker
    from tests.conftest import free_port

    with tempfile.TemporaryDirectory() as home:
        app = build_app(Settings.from_env({"CONSULTANT_HOME": home}))
        prepare(app)
        app.codes.find("E11.22", app.clock().date())
        worker = Worker(app)
        receiver = SmtpReceiver(
            app.spool, "127.0.0.1", free_port(), 10_000_000, on_delivered=worker.wake_drain
        )
        receiver.start()
        worker.start()
        latencies = []
        try:
            with smtplib.SMTP(*receiver.address) as smtp:
                for raw in build_messages(count, seed=11):
                    msg_id = mailparser.parse_from_bytes(raw).message_id
                    if b"Auto-Submitted" in raw or b"List-Id" in raw:
                        continue
                    smtp.sendmail("bench@test", ["consult@caseconsultant.localhost"], raw)
                    t250 = time.perf_counter()
                    while True:
                        with app.read_sessions() as s:
                            found = s.scalars(
                                select(Draft.id).join(Question).where(Question.message_id == msg_id)
                            ).first()
                        if found is not None:
                            latencies.append(time.perf_counter() - t250)
                            break
                        if time.perf_counter() - t250 > 10:
                            latencies.append(float("inf"))
                            break
                        time.sleep(0.005)
        finally:
            receiver.stop()
            worker.stop()
            app.close()
        return latencies


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    messages = build_messages(n)
    floor = floor_parse_rate(messages)
    insert_floor = floor_insert_rate(messages)
    rate, drafted = intake_rate(messages)
    print(f"messages: {n} ({drafted} drafted, the rest auto-replies, lists, duplicates)")
    print(f"floor   mail-parser parse only : {floor:8.1f} msgs/s")
    print(f"floor'  bare SQLite insert only: {insert_floor:8.1f} msgs/s  (for explanation; not the target)")
    print(
        f"intake  full pipeline, SQLite  : {rate:8.1f} msgs/s  = {rate / floor:.3f} x the parse rate (target >= 0.5)"
    )
    lat = sorted(draft_latency(min(100, n)))
    p50 = statistics.median(lat)
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(
        f"latency SMTP 250 -> draft visible, {len(lat)} sends: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (target p95 < 2000 ms)"
    )


if __name__ == "__main__":
    main()
