"""The one signature scheme for outside systems (integrations/signing.py)."""

import pytest

from integrations import signing

BODY = b'{"message_id": "m-1"}'


def test_a_signed_body_verifies_and_returns_its_timestamp():
    header = signing.sign("s3cret", BODY, now=1_700_000_000)
    assert signing.verify("s3cret", header, BODY, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    "header, body, secret, now, reason",
    [
        (None, BODY, "s3cret", 1_700_000_000, "missing"),
        ("v1=abc", BODY, "s3cret", 1_700_000_000, "malformed"),
        (signing.sign("other", BODY, now=1_700_000_000), BODY, "s3cret", 1_700_000_000, "does not match"),
        (
            signing.sign("s3cret", BODY, now=1_700_000_000),
            BODY + b" ",
            "s3cret",
            1_700_000_000,
            "does not match",
        ),
        (signing.sign("s3cret", BODY, now=1_700_000_000), BODY, "s3cret", 1_700_000_301, "replay window"),
    ],
)
def test_bad_signatures_are_refused_with_a_reason(header, body, secret, now, reason):
    with pytest.raises(signing.SignatureError, match=reason):
        signing.verify(secret, header, body, now=now)


def test_a_rotated_secret_still_verifies_during_rotation():
    header = signing.sign("old", BODY, now=1_700_000_000)
    assert signing.verify(["new", "old"], header, BODY, now=1_700_000_000) == 1_700_000_000
