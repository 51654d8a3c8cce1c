from __future__ import annotations

from consultant.intake.thread import TOKEN_ALPHABET, base_subject, new_token, reply_subject, subject_token


def test_token_shape_and_alphabet() -> None:
    for _ in range(200):
        token = new_token()
        assert token.startswith("CC-") and len(token) == 8
        assert all(ch in TOKEN_ALPHABET for ch in token[3:])


def test_subject_token_found_case_insensitively() -> None:
    assert subject_token("Re: Diabetes [cc-7k2f9]") == "CC-7K2F9"
    assert subject_token("Re: Diabetes CC-7K2F9") is None  # only in brackets
    assert subject_token("[CC-0O1I2]") is None  # ambiguous characters are never issued


def test_base_and_reply_subject() -> None:
    assert base_subject("RE: Fwd: AW: Diabetes [CC-7K2F9]") == "Diabetes"
    assert reply_subject("Re: Diabetes [CC-7K2F9]", "CC-7K2F9") == "Re: Diabetes [CC-7K2F9]"
    assert base_subject("") == "(no subject)"
