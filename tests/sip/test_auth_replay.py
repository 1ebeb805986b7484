"""Finding 6: a captured digest answer cannot be used again (RFC 7616 §3.3, §3.4.6, §5.5).

The server keeps the highest nonce count per nonce (an `nc` not above it is a replay), checks
that the digest `uri` is the Request-URI, binds each nonce to the address it was issued to,
and keeps its nonce-count table bounded without letting a forgotten nonce be replayed.
"""

from __future__ import annotations

from seatline.sip.auth import (
    AuthResult,
    DigestChallenge,
    DigestCredentials,
    DigestServer,
    NonceCounts,
    authorize,
    compute_ha1,
)

SECRET = b"0123456789abcdef0123456789abcdef"
REALM = "sip.example.com"
URI = f"sip:{REALM}"
HA1 = compute_ha1("100", REALM, "pw")
PHONE = "192.0.2.10"
ATTACKER = "198.51.100.7"


def server(table: int = 1000) -> DigestServer:
    return DigestServer(REALM, SECRET, nonce_lifetime=60.0, counts=NonceCounts(table))


def test_each_nonce_count_is_accepted_once_and_only_upwards() -> None:
    s = server()
    challenge = s.challenge(1000.0, source=PHONE)
    first = authorize(challenge, "REGISTER", URI, "100", "pw", "cn", 1)
    assert s.verify(first, "REGISTER", HA1, 1001.0, source=PHONE, request_uri=URI) is AuthResult.OK
    again = s.verify(first, "REGISTER", HA1, 1002.0, source=PHONE, request_uri=URI)
    assert again is AuthResult.REPLAY
    third = authorize(challenge, "REGISTER", URI, "100", "pw", "cn", 3)
    assert s.verify(third, "REGISTER", HA1, 1003.0, source=PHONE, request_uri=URI) is AuthResult.OK
    second = authorize(challenge, "REGISTER", URI, "100", "pw", "cn", 2)
    late = s.verify(second, "REGISTER", HA1, 1004.0, source=PHONE, request_uri=URI)
    assert late is AuthResult.REPLAY


def test_an_answer_without_qop_is_good_for_one_request() -> None:
    s = server()
    challenge = s.challenge(1000.0, source=PHONE)
    bare = DigestChallenge(challenge.realm, challenge.nonce, "MD5", qop=())
    creds = authorize(bare, "REGISTER", URI, "100", "pw", "cn")
    assert creds.nc is None
    assert s.verify(creds, "REGISTER", HA1, 1001.0, source=PHONE, request_uri=URI) is AuthResult.OK
    replay = s.verify(creds, "REGISTER", HA1, 1002.0, source=PHONE, request_uri=URI)
    assert replay is AuthResult.REPLAY


def test_the_digest_uri_must_be_the_request_uri() -> None:
    s = server()
    challenge = s.challenge(1000.0, source=PHONE)
    creds = authorize(challenge, "INVITE", "sip:9000@example.com", "100", "pw", "cn")
    other = s.verify(
        creds, "INVITE", HA1, 1001.0, source=PHONE, request_uri="sip:00900123456@example.com"
    )
    assert other is AuthResult.BAD_URI
    # The same URI written with a differently cased host is the same URI (§19.1.4).
    same = s.verify(creds, "INVITE", HA1, 1001.0, source=PHONE, request_uri="sip:9000@EXAMPLE.com")
    assert same is AuthResult.OK


def test_a_nonce_is_refused_from_another_address() -> None:
    s = server()
    challenge = s.challenge(1000.0, source=PHONE)
    creds = authorize(challenge, "REGISTER", URI, "100", "pw", "cn")
    assert s.nonce_state(challenge.nonce, 1001.0, ATTACKER) is AuthResult.BAD_NONCE
    stolen = s.verify(creds, "REGISTER", HA1, 1001.0, source=ATTACKER, request_uri=URI)
    assert stolen is AuthResult.BAD_NONCE
    assert s.verify(creds, "REGISTER", HA1, 1001.0, source=PHONE, request_uri=URI) is AuthResult.OK


def test_the_count_table_is_bounded_and_a_forgotten_nonce_is_not_replayable() -> None:
    s = server(table=10)
    challenges = [s.challenge(1000.0 + i, source=PHONE) for i in range(30)]
    answers = [authorize(c, "REGISTER", URI, "100", "pw", "cn") for c in challenges]
    for i, creds in enumerate(answers):
        now = 1000.0 + i + 0.5
        assert s.verify(creds, "REGISTER", HA1, now, source=PHONE, request_uri=URI) is AuthResult.OK
    assert s.counts is not None and len(s.counts) <= 10
    # The oldest nonces were forgotten: replaying one earns a fresh challenge, not access.
    replay = s.verify(answers[0], "REGISTER", HA1, 1031.0, source=PHONE, request_uri=URI)
    assert replay in (AuthResult.STALE, AuthResult.REPLAY)
    # The newest is still tracked exactly.
    newest = s.verify(answers[-1], "REGISTER", HA1, 1031.0, source=PHONE, request_uri=URI)
    assert newest is AuthResult.REPLAY


def test_expired_entries_leave_the_table() -> None:
    s = server(table=1000)
    for i in range(50):
        challenge = s.challenge(1000.0 + i, source=PHONE)
        creds = authorize(challenge, "REGISTER", URI, "100", "pw", "cn")
        s.verify(creds, "REGISTER", HA1, 1000.0 + i, source=PHONE, request_uri=URI)
    later = s.challenge(2000.0, source=PHONE)
    creds = authorize(later, "REGISTER", URI, "100", "pw", "cn")
    assert s.verify(creds, "REGISTER", HA1, 2000.0, source=PHONE, request_uri=URI) is AuthResult.OK
    assert s.counts is not None and len(s.counts) == 1


def test_non_ascii_nonce_or_response_is_refused_not_raised() -> None:
    """hmac.compare_digest raises TypeError on non-ASCII str: a peer must not reach that."""
    s = server()
    challenge = s.challenge(1000.0, source=PHONE)
    assert s.nonce_state(challenge.nonce[:-2] + "é٣", 1001.0, PHONE) is AuthResult.BAD_NONCE
    creds = authorize(challenge, "REGISTER", URI, "100", "pw", "cn")
    bad = DigestCredentials(
        creds.username, creds.realm, creds.nonce, creds.uri, "é" * 32, "MD5", "cn", "00000001",
        "auth",
    )  # fmt: skip
    assert s.verify(bad, "REGISTER", HA1, 1001.0, source=PHONE) is AuthResult.BAD_RESPONSE
    nonce = DigestCredentials(
        creds.username, creds.realm, "1.é.٣", creds.uri, creds.response, "MD5", "cn", "00000001",
        "auth",
    )  # fmt: skip
    assert s.verify(nonce, "REGISTER", HA1, 1001.0, source=PHONE) in (
        AuthResult.BAD_NONCE,
        AuthResult.BAD_RESPONSE,
    )


def test_two_challenges_in_one_millisecond_have_different_nonces() -> None:
    s = server()
    assert s.challenge(1000.0, source=PHONE).nonce != s.challenge(1000.0, source=PHONE).nonce
