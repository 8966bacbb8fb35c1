"""SigV4 credentials: who is calling, for which region and service.

Signatures are parsed but not yet verified (verification and IAM policies come later); a
malformed Authorization header is still refused the way AWS refuses it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from fogbank.core.http import HttpRequest
from fogbank.protocols.errors import AwsError

ALGORITHM = "AWS4-HMAC-SHA256"

# A region of AWS's form: every partition's names in botocore's endpoints data (us-east-1, us-gov-west-1,
# cn-north-1, us-isob-east-1, eusc-de-east-1, ...). The region names a state file and ARNs, so nothing else
# may pass: not "..", not 300 characters, not the pseudo region aws-global.
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}")

# The signature error each protocol's front end answers with (query services word it as SignatureDoesNotMatch).
_SIGNATURE_ERRORS = {"query": ("SignatureDoesNotMatch", 403), "json": ("InvalidSignatureException", 400)}


class Credentials(NamedTuple):
    """A request's SigV4 credential. A named tuple: built on every request, and a frozen dataclass
    costs a microsecond more to build."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def valid_region(region: str) -> bool:
    return _REGION.fullmatch(region) is not None


def invalid_region(region: str, protocol: str) -> AwsError:
    """AWS's answer to a credential scoped to no region, in the words of the protocol the request speaks."""
    code, status = _SIGNATURE_ERRORS.get(protocol, ("InvalidSignatureException", 403))
    return AwsError(code, f"Credential should be scoped to a valid region, not '{region}'. ", status)


def _incomplete(message: str) -> AwsError:
    return AwsError("IncompleteSignatureException", message, 400)


def _scope(credential: str) -> tuple[str, str, str, str]:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts[:4]):
        raise _incomplete(
            f"Credential should be scoped to a valid region, not '{credential}'. "
            "Credential should be formatted as <access key>/<date>/<region>/<service>/aws4_request."
        )
    return parts[0], parts[1], parts[2], parts[3]


def parse_credentials(request: HttpRequest) -> Credentials | None:
    """The SigV4 credential of a request (header or presigned query), or None when unsigned."""
    header = request.header("authorization")
    if header:
        # A client signs every request with the same scope: only the signature differs, so the rest of
        # the header is parsed once (a valid header: malformed ones are never cached).
        scope, _, signature = header.rpartition(", Signature=")
        known = _PARSED.get(scope)
        if known is not None and signature and "," not in signature:
            return Credentials(*known, signature)
        credentials = _parse_header(header)
        if scope and signature == credentials.signature:
            if len(_PARSED) >= 1024:
                _PARSED.clear()
            _PARSED[scope] = (
                credentials.access_key,
                credentials.date,
                credentials.region,
                credentials.service,
                credentials.signed_headers,
            )
        return credentials
    query = request.query
    if "X-Amz-Credential" in query:
        if query.get("X-Amz-Algorithm", [ALGORITHM])[0] != ALGORITHM:
            raise _incomplete("Unsupported X-Amz-Algorithm")
        access_key, date, region, service = _scope(query["X-Amz-Credential"][0])
        signed = query.get("X-Amz-SignedHeaders", [""])[0]
        return Credentials(
            access_key, date, region, service, tuple(signed.split(";")), query.get("X-Amz-Signature", [""])[0]
        )
    return None


_PARSED: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {}


def _parse_header(header: str) -> Credentials:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported authorization type: {algorithm[:40]}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields[key] = value
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in fields:
            raise _incomplete(f"Authorization header requires '{required}' parameter. Authorization={header[:200]}")
    access_key, date, region, service = _scope(fields["Credential"])
    return Credentials(
        access_key, date, region, service, tuple(fields["SignedHeaders"].split(";")), fields["Signature"]
    )
