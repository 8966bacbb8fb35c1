"""The certificate authorities RDS signs server certificates with, as DescribeCertificates
lists them and CACertificateIdentifier names them."""

from __future__ import annotations

import datetime as dt
import hashlib

from fogbank.protocols.errors import AwsError

DEFAULT = "rds-ca-rsa2048-g1"

# identifier -> (valid from, valid till)
CERTIFICATES: dict[str, tuple[dt.datetime, dt.datetime]] = {
    "rds-ca-2019": (dt.datetime(2019, 8, 22, 17, 8, 50, tzinfo=dt.UTC), dt.datetime(2024, 8, 22, 17, 8, 50, tzinfo=dt.UTC)),
    "rds-ca-ecc384-g1": (dt.datetime(2021, 5, 21, 22, 23, 47, tzinfo=dt.UTC), dt.datetime(2121, 5, 21, 23, 23, 47, tzinfo=dt.UTC)),
    "rds-ca-rsa2048-g1": (dt.datetime(2021, 5, 21, 22, 15, 59, tzinfo=dt.UTC), dt.datetime(2061, 5, 21, 23, 15, 59, tzinfo=dt.UTC)),
    "rds-ca-rsa4096-g1": (dt.datetime(2021, 5, 21, 22, 20, 4, tzinfo=dt.UTC), dt.datetime(2121, 5, 21, 23, 20, 4, tzinfo=dt.UTC)),
}  # fmt: skip


def check(identifier: str) -> str:
    if identifier not in CERTIFICATES:
        raise AwsError("CertificateNotFoundFault", f"Certificate {identifier} not found.")
    return identifier


def valid_till(identifier: str) -> dt.datetime:
    return CERTIFICATES.get(identifier, CERTIFICATES[DEFAULT])[1]


def render(identifier: str, arn: str) -> dict[str, object]:
    valid_from, till = CERTIFICATES[identifier]
    return {
        "CertificateIdentifier": identifier,
        "CertificateType": "CA",
        "Thumbprint": hashlib.sha1(identifier.encode()).hexdigest(),
        "ValidFrom": valid_from,
        "ValidTill": till,
        "CertificateArn": arn,
        "CustomerOverride": False,
    }
