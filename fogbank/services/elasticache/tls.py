"""Fogbank's own certificate authority, node certificates, and a TLS listener in front of a node.

The certificate authority is generated once with ``cryptography`` and kept in
``<data dir>/elasticache/tls/``: ``ca.pem`` is the file clients are given (``ssl_ca_certs``);
its key never leaves that 0700 directory.

- Serverless caches accept only TLS, and the PyPI Valkey builds have none, so Fogbank
  terminates it: a relay (``fogbank.managed.relay`` with its TLS side) takes TLS on the
  cache's endpoint ports and forwards the plain bytes to the node on 127.0.0.1; its server
  certificate names ``localhost`` and ``127.0.0.1``.
- Cache clusters and replication groups with ``TransitEncryptionEnabled`` run on a binary that
  serves TLS itself (Debian's redis-server, memcached ``-Z``): each node gets a certificate of
  its own (``issue``) naming the addresses clients reach it at (its own and the moving
  endpoints it may hold), signed by the same CA.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fogbank.engines.interface import TlsFiles
from fogbank.managed.relay import Relay, Relays

CA_FILE = "ca.pem"
_making = threading.Lock()  # nodes start in parallel: one CA, not one per thread


def _write(path: Path, data: bytes) -> None:
    work = path.with_name(path.name + ".new")
    work.touch(mode=0o600)
    work.write_bytes(data)
    work.replace(path)


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def authority(directory: Path) -> Path:
    """The CA certificate's path, the CA and a server certificate made on first use."""
    with _making:
        return _authority(directory)


def _authority(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_path, cert_path, key_path = directory / CA_FILE, directory / "server.pem", directory / "server.key"
    if ca_path.is_file() and cert_path.is_file() and key_path.is_file():
        return ca_path
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fogbank ElastiCache local CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key, cert = _server_certificate(ca_key, ca_name, [])
    _write(directory / "ca.key", _key_bytes(ca_key))
    _write(key_path, _key_bytes(key))
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    _write(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_path.chmod(0o644)  # the certificate is public: clients read it
    return ca_path


def _server_certificate(
    ca_key: ec.EllipticCurvePrivateKey, ca_name: x509.Name, addresses: Sequence[str]
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A key and a server certificate naming localhost, 127.0.0.1 and ``addresses``."""
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    key = ec.generate_private_key(ec.SECP256R1())
    ips = dict.fromkeys(["127.0.0.1", *addresses])
    names = [x509.DNSName("localhost"), *(x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                              x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def issue(directory: Path, addresses: Sequence[str]) -> TlsFiles:
    """A node's own certificate (PEM), signed by the CA, for the addresses it listens on.
    CLIENT_AUTH too: a replica and a cluster peer present it when they connect to another node."""
    ca_path = authority(directory)
    ca_pem = ca_path.read_bytes()
    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key, cert = _server_certificate(ca_key, x509.load_pem_x509_certificate(ca_pem).subject, addresses)
    return TlsFiles(cert.public_bytes(serialization.Encoding.PEM), _key_bytes(key), ca_pem)


def client_context(directory: Path) -> ssl.SSLContext:
    """How Fogbank itself connects to a TLS node: the CA checked, the address named."""
    return ssl.create_default_context(cafile=str(authority(directory)))


def server_context(directory: Path) -> ssl.SSLContext:
    authority(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return context


class Terminators(Relays):
    """TLS listeners, each forwarding to one plain node port, grouped by resource."""

    def serve(self, key: str, port: int, upstream: int, context: ssl.SSLContext) -> None:
        self.add(key, Relay("127.0.0.1", port, lambda: ("127.0.0.1", upstream), tls=context))
