"""The session cookie's signer remembers the cookies it verified (newsdesk/web/security.py):
what it remembers must never let through a cookie the plain signer refuses."""

from __future__ import annotations

import time

import itsdangerous
import pytest

from newsdesk.web.security import KeptSigner

SECRET = "sessions-test-" + "k" * 40


def test_a_remembered_cookie_still_expires_and_a_forged_one_is_refused() -> None:
    signer = KeptSigner(SECRET)
    cookie = signer.sign(b"eyJ1c2VyIjogImVkaXRvciJ9")
    assert signer.unsign(cookie, max_age=1) == b"eyJ1c2VyIjogImVkaXRvciJ9"
    assert signer.unsign(cookie, max_age=1) == b"eyJ1c2VyIjogImVkaXRvciJ9"  # remembered
    # One character of the signature changed where all its bits count: the last character of
    # a base64 signature carries padding bits, and A/B there could decode to the same bytes.
    at = cookie.rindex(b".") + 1
    forged = cookie[:at] + (b"A" if cookie[at : at + 1] != b"A" else b"B") + cookie[at + 1 :]
    with pytest.raises(itsdangerous.BadSignature):
        signer.unsign(forged, max_age=1)
    other = itsdangerous.TimestampSigner("another-secret-" + "k" * 40).sign(b"eyJ9")
    with pytest.raises(itsdangerous.BadSignature):
        signer.unsign(other, max_age=1)
    time.sleep(2.2)  # past max_age: refused though remembered
    with pytest.raises(itsdangerous.SignatureExpired):
        signer.unsign(cookie, max_age=1)


def test_it_keeps_at_most_its_bound() -> None:
    signer = KeptSigner(SECRET, kept=3)
    cookies = [signer.sign(f"v{n}".encode()) for n in range(5)]
    for cookie in cookies:
        signer.unsign(cookie, max_age=60)
    assert len(signer._verified) == 3
    assert [signer.unsign(c, max_age=60) for c in cookies] == [f"v{n}".encode() for n in range(5)]
