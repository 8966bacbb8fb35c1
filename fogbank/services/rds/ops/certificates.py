"""DescribeCertificates: the CAs an instance's CACertificateIdentifier may name."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import operation
from fogbank.services.rds import certificates
from fogbank.services.rds.ops.common import filters, page

_FILTERS = {"certificate-id": lambda c: (c["CertificateIdentifier"],)}


@operation("DescribeCertificates")
def describe_certificates(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    wanted = params.get("CertificateIdentifier")
    if wanted:
        certificates.check(wanted)
    match = filters(params, _FILTERS, {"certificate-id": wanted})
    items = [certificates.render(name, ctx.arn("rds", f"cert:{name}")) for name in certificates.CERTIFICATES]
    chunk, marker = page(params, [c for c in items if match(c)], key=lambda c: c["CertificateIdentifier"])
    return {"DefaultCertificateForNewLaunches": certificates.DEFAULT, "Certificates": chunk, "Marker": marker}
