"""Digest authentication against the RFC worked examples, and the stateless nonce server."""

from __future__ import annotations

import pytest

from seatline.sip.auth import (
    AuthResult,
    DigestChallenge,
    DigestCredentials,
    DigestServer,
    authorize,
    compute_ha1,
    compute_response,
)
from seatline.sip.errors import SipAuthError

# RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5.
RFC7616 = {
    "username": "Mufasa",
    "realm": "http-auth@example.org",
    "password": "Circle of Life",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    "opaque": "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
    "uri": "/dir/index.html",
}


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ],
)
def test_rfc7616_worked_examples(algorithm: str, expected: str) -> None:
    ex = RFC7616
    challenge = DigestChallenge(ex["realm"], ex["nonce"], algorithm, ("auth",), ex["opaque"])
    creds = authorize(challenge, "GET", ex["uri"], ex["username"], ex["password"], ex["cnonce"])
    assert creds.response == expected
    assert creds.nc == "00000001" and creds.qop == "auth" and creds.opaque == ex["opaque"]
    assert DigestCredentials.parse(str(creds)) == creds


def test_rfc2617_example() -> None:
    ha1 = compute_ha1("Mufasa", "testrealm@host.com", "Circle Of Life")
    response = compute_response(
        ha1,
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert response == "6629fae49393a05397450978507c4ef1"


def test_challenge_round_trip_and_quoting() -> None:
    text = 'Digest realm="sip.example.com", nonce="abc", algorithm=SHA-256, qop="auth", stale=true'
    challenge = DigestChallenge.parse(text)
    assert challenge.algorithm == "SHA-256" and challenge.stale and challenge.qop == ("auth",)
    assert str(challenge) == text
    with pytest.raises(SipAuthError, match="scheme"):
        DigestChallenge.parse('Basic realm="x"')


def test_unknown_scheme_from_rfc4475_regaut01_is_refused() -> None:
    with pytest.raises(SipAuthError):
        DigestCredentials.parse("NoOneKnowsThisScheme opaque-data=here")


SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_server_challenge_then_verify(algorithm: str) -> None:
    server = DigestServer("sip.example.com", SECRET, nonce_lifetime=60.0)
    challenge = server.challenge(1000.0, algorithm)
    creds = authorize(challenge, "REGISTER", "sip:sip.example.com", "100", "pw", "c1")
    ha1 = compute_ha1("100", "sip.example.com", "pw", algorithm)
    assert server.verify(creds, "REGISTER", ha1, 1010.0) is AuthResult.OK
    wrong = compute_ha1("100", "sip.example.com", "other", algorithm)
    assert server.verify(creds, "REGISTER", wrong, 1010.0) is AuthResult.BAD_RESPONSE
    assert server.verify(creds, "INVITE", ha1, 1010.0) is AuthResult.BAD_RESPONSE


def test_expired_nonce_is_stale_and_forged_nonce_is_bad() -> None:
    server = DigestServer("sip.example.com", SECRET, nonce_lifetime=60.0)
    challenge = server.challenge(1000.0)
    creds = authorize(challenge, "INVITE", "sip:bob@example.com", "100", "pw", "c1")
    ha1 = compute_ha1("100", "sip.example.com", "pw")
    assert server.verify(creds, "INVITE", ha1, 1061.0) is AuthResult.STALE
    assert server.challenge(1061.0, stale=True).stale
    other = DigestServer("sip.example.com", b"another-secret-of-32-bytes-long!")
    assert other.nonce_state(challenge.nonce, 1001.0) is AuthResult.BAD_NONCE
    forged = DigestChallenge("sip.example.com", "ffffffff.AAAA", "MD5")
    creds = authorize(forged, "INVITE", "sip:bob@example.com", "100", "pw", "c1")
    assert server.verify(creds, "INVITE", ha1, 1001.0) is AuthResult.BAD_NONCE


def test_nonce_is_stateless_across_server_instances() -> None:
    one = DigestServer("r", SECRET)
    two = DigestServer("r", SECRET)
    assert two.nonce_state(one.make_nonce(5.0), 6.0) is AuthResult.OK


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        DigestServer("r", b"short")
