"""`seatline tls self-signed`: a private CA and a server certificate for tests and closed labs.

Browsers, phones and test clients are told to trust `ca.pem`; the node serves `cert.pem` with
`key.pem` (settings `tls_cert_file` / `tls_key_file`). A CA plus a leaf, rather than one
self-signed leaf, because strict verifiers (OpenSSL's X509_STRICT, libre) refuse a leaf that
is its own issuer, and because the CA can sign a new leaf later without clients changing.
Built on `cryptography`; never for the public internet, where a real CA's certificate belongs.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from seatline.cli.app import app

__all__ = ["SelfSigned", "make_self_signed"]

tls_app = typer.Typer(help="TLS certificates for the web server and SIP over TLS.")
app.add_typer(tls_app, name="tls")

_CA_DAYS = 3650


@dataclass(frozen=True, slots=True)
class SelfSigned:
    """The three files written: the CA to trust, the server's certificate and its key."""

    ca: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Seatline self-signed"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    # Created with its final mode: a private key is never readable by others, even briefly.
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def make_self_signed(
    out: Path, hosts: tuple[str, ...] = ("127.0.0.1",), days: int = 825
) -> SelfSigned:
    """Write `ca.pem`, `cert.pem` (valid for `hosts`: names or IP addresses) and `key.pem`."""
    if not hosts:
        raise ValueError("at least one host name or address is needed")
    now = datetime.datetime.now(datetime.UTC)
    start = now - datetime.timedelta(minutes=5)  # tolerate a peer whose clock is a little behind
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Seatline test CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([_alt_name(h) for h in hosts]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    out.mkdir(parents=True, exist_ok=True)
    files = SelfSigned(out / "ca.pem", out / "cert.pem", out / "key.pem")
    _write(files.ca, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    # The chain after the leaf, so a client given only the CA can still build the path.
    chain = cert.public_bytes(serialization.Encoding.PEM)
    chain += ca_cert.public_bytes(serialization.Encoding.PEM)
    _write(files.cert, chain, 0o644)
    _write(files.key, _pem_key(key), 0o600)
    return files


@tls_app.command("self-signed")
def self_signed(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the PEM files into.")],
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Host name or IP address the certificate is for (repeat)."),
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Validity.")] = 825,
) -> None:
    """Make a test CA and a certificate for HOST (default 127.0.0.1), for tests and labs only."""
    hosts = tuple(host or ("127.0.0.1",))
    try:
        files = make_self_signed(out, hosts, days)
    except OSError as exc:
        typer.echo(f"seatline: cannot write to {out}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Certificate for {', '.join(hosts)}:\n"
        f"  tls_cert_file = {files.cert}\n"
        f"  tls_key_file  = {files.key}\n"
        f"Clients must trust {files.ca} (self-signed: for tests and closed labs only)."
    )
