"""Sample questions a newcomer can send through the receiver (`consultant demo`)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

DEMO_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "pat.biller@example-clinic.test",
        "Diabetes with CKD 3a",
        "Hello,\n\nType 2 diabetic with CKD stage 3a. Is it E11.22 with N18.31, and in what order?\n\n"
        "Thanks,\nPat\n-- \nPat Biller, Example Clinic billing office\n",
    ),
    (
        "sam.coder@example-ortho.test",
        "Hip fracture follow-up 7th character",
        "Routine healing visit after ORIF for a closed fracture of the right femoral neck, S72.001. "
        "Which 7th character: S72.001D?\n",
    ),
    (
        "lee.office@example-gi.test",
        "Lap chole PCS code",
        "Inpatient laparoscopic cholecystectomy: is the ICD-10-PCS code 0FT44ZZ right?\n",
    ),
    (
        "kim.billing@example-infusion.test",
        "Units of J1100",
        "How many units of J1100 can Medicare take per day? We gave J1100 x 12 on one line.\n",
    ),
)


def demo_messages(service_address: str) -> list[EmailMessage]:
    messages = []
    for sender, subject, body in DEMO_QUESTIONS:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = service_address
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
        msg.set_content(body)
        messages.append(msg)
    return messages


def send_demo_questions(host: str, port: int, service_address: str) -> list[str]:
    sent = []
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        for msg in demo_messages(service_address):
            smtp.send_message(msg)
            sent.append(str(msg["Subject"]))
    return sent
