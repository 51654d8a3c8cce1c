from __future__ import annotations

from pathlib import Path

from consultant.mail.maildir import Maildir


def test_deliver_is_visible_only_in_new_and_moves_on(tmp_path: Path) -> None:
    box = Maildir(tmp_path / "spool")
    key = box.deliver(b"From: a@b\r\n\r\nx")
    assert box.keys() == [key]
    assert list(box.tmp.iterdir()) == []
    assert box.read(key) == b"From: a@b\r\n\r\nx"
    box.mark_done(key)
    assert box.keys() == []
    assert (box.cur / f"{key}:2,S").exists()


def test_move_to_quarantine_keeps_key(tmp_path: Path) -> None:
    box, quarantine = Maildir(tmp_path / "spool"), Maildir(tmp_path / "quarantine")
    key = box.deliver(b"x")
    box.move_to(key, quarantine)
    assert box.keys() == [] and quarantine.keys() == [key]


def test_unique_names_are_unique_and_ordered(tmp_path: Path) -> None:
    box = Maildir(tmp_path / "spool")
    keys = [box.deliver(b"x") for _ in range(50)]
    assert len(set(keys)) == 50
    assert set(box.keys()) == set(keys)
