"""What a handler knows about the request it serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fogbank.core.http import HttpRequest

if TYPE_CHECKING:
    from fogbank.platform import Platform


@dataclass(slots=True)
class RequestContext:
    request_id: str
    service: str  # botocore service name
    operation: str
    region: str
    account_id: str
    access_key: str | None
    request: HttpRequest
    platform: Platform
    backend: Any = None  # the service's own state and engines (see Service.open)

    def arn(self, service: str, resource: str) -> str:
        from fogbank.arns import arn

        return arn(service, self.region, self.account_id, resource)
