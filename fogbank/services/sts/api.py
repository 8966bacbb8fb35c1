"""STS: who am I. The caller's identity comes from the access key's account."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.services.base import Service, operation


class Sts(Service):
    name = "sts"
    models = ("sts",)
    handler_modules = (__name__,)


service = Sts()


@operation("GetCallerIdentity")
def get_caller_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "UserId": ctx.access_key or "AIDAFOGBANKANONYMOUS",
        "Account": ctx.account_id,
        "Arn": ctx.arn("iam", "root"),
    }
