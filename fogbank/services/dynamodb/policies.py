"""Resource-based policies of tables and streams: the checks AWS makes of a policy document, and revisions.

A policy is kept on its table (``Table.policies``: ``""`` for the table itself, a stream's label for that
stream), so it is written in the table's own catalog row, survives restarts, and goes with the table when it
is deleted, as on AWS. Nothing enforces a policy yet: that waits for the IAM issue, when requests are
authorized at all. The document is stored and answered exactly as given (AWS rewrites it to a canonical
form; see docs/dynamodb.md).

Messages are those recorded from AWS where known (size, invalid JSON, empty Statement, missing Resource,
unbounded access, invalid stream action names); the other refusals follow their pattern.
"""

from __future__ import annotations

import fnmatch
import json
import time
from typing import Any

from fogbank.protocols.errors import AwsError, validation_error

INVALID = "One or more parameter values were invalid: "
INVALID_DOCUMENT = INVALID + "Invalid policy document: "
MAX_POLICY_BYTES = 20480  # whitespace counts, as AWS documents
NO_POLICY = "NO_POLICY"  # an ExpectedRevisionId asking that no policy exist yet
# The actions that only a stream's policy can grant (and that a stream's policy is limited to).
STREAM_ACTIONS = frozenset(
    ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams")
)
UNBOUNDED = (
    "Resource-based policy grants unbounded access in one or more elements. "
    "Please revise the policy to ensure least-privilege form of access"
)


def check_policy(text: str, for_stream: bool) -> None:
    """Refuse a policy document as AWS refuses it: size first, then JSON, then each statement."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise validation_error(f"{INVALID}Maximum policy size of {MAX_POLICY_BYTES} bytes exceeded")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise validation_error(f"{INVALID_DOCUMENT}This policy contains invalid Json")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]  # AWS takes a lone statement object as a list of one
    if not statements:
        raise validation_error(f"{INVALID_DOCUMENT}Could not parse the policy: Statement is empty!")
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise validation_error(f"{INVALID_DOCUMENT}This policy contains invalid Json")
    sids = [s["Sid"] for s in statements if "Sid" in s]
    if len(set(map(str, sids))) != len(sids):
        raise validation_error(f"{INVALID_DOCUMENT}Statement IDs (SID) in a single policy must be unique.")
    for statement in statements:
        _check_statement(statement, for_stream)


def _check_statement(statement: dict[str, Any], for_stream: bool) -> None:
    effect = statement.get("Effect")
    if effect is None:
        raise validation_error(f"{INVALID_DOCUMENT}Missing required field Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):  # AWS takes "allow" as Allow
        raise validation_error(f"{INVALID_DOCUMENT}Invalid effect: {effect}")
    if "Principal" not in statement and "NotPrincipal" not in statement:
        raise validation_error(f"{INVALID_DOCUMENT}Missing required field Principal")
    if "Action" not in statement and "NotAction" not in statement:
        raise validation_error(f"{INVALID_DOCUMENT}Missing required field Action")
    if "Resource" not in statement and "NotResource" not in statement:
        raise validation_error(f"{INVALID_DOCUMENT}Missing required field Resource")
    principal = statement.get("Principal")
    if principal is not None:
        _check_principal(principal)
        if effect.lower() == "allow" and _everyone(principal) and not statement.get("Condition"):
            raise validation_error(UNBOUNDED)
    actions = _strings(statement.get("Action", statement.get("NotAction")))
    if actions is None:
        raise validation_error(f"{INVALID_DOCUMENT}This policy contains invalid Json")
    wrong = [a for a in actions if _wrong_action(a, for_stream)]
    if wrong:
        listed = ", ".join(f'"{a}"' for a in wrong)
        raise validation_error(f"{INVALID_DOCUMENT}The following action names are invalid: {listed}")
    if _strings(statement.get("Resource", statement.get("NotResource"))) is None:
        raise validation_error(f"{INVALID_DOCUMENT}This policy contains invalid Json")


def _check_principal(principal: Any) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal:
        raise validation_error(f"{INVALID}Invalid principal in policy document.")
    for value in principal.values():
        if _strings(value) is None:
            raise validation_error(f"{INVALID}Invalid principal in policy document.")


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in (_strings(principal.get("AWS")) or [])


def _strings(value: Any) -> list[str] | None:
    """A policy element that is a string or a non-empty list of strings, as a list; None when it is not."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _wrong_action(action: str, for_stream: bool) -> bool:
    """A stream action in a table's policy, or a table action in a stream's (exact dynamodb: names only:
    a wildcard or another service's action is left to IAM's own rules)."""
    if not action.lower().startswith("dynamodb:") or "*" in action or "?" in action:
        return False
    is_stream = action.lower() in {a.lower() for a in STREAM_ACTIONS}
    return is_stream != for_stream


def denies_self_policy_change(text: str, account: str) -> bool:
    """The document denies this account's principals PutResourcePolicy on the resource: AWS then asks for
    ConfirmRemoveSelfResourceAccess, since the caller would lock itself out of changing the policy again."""
    for statement in _statements(text):
        if str(statement.get("Effect", "")).lower() != "deny" or "Principal" not in statement:
            continue
        actions = _strings(statement.get("Action")) or []
        if not any(_matches(a, "dynamodb:PutResourcePolicy") for a in actions):
            continue
        principal = statement["Principal"]
        names = ["*"] if principal == "*" else [n for v in principal.values() for n in _strings(v) or []]
        if any(n == "*" or n == account or f":{account}:" in n for n in names):
            return True
    return False


def _statements(text: str) -> list[dict[str, Any]]:
    statements = json.loads(text).get("Statement")
    return [statements] if isinstance(statements, dict) else list(statements)


def _matches(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def next_revision(current: str | None) -> str:
    """AWS's revision ids are the epoch milliseconds of the change; each is above the one it replaces."""
    now = int(time.time() * 1000)
    if current is not None and current.isdigit():
        now = max(now, int(current) + 1)
    return str(now)


def policy_not_found(arn: str) -> AwsError:
    return AwsError("PolicyNotFoundException", f"Resource-based policy not found for the provided ResourceArn: {arn}")


def revision_mismatch(expected: str, table_name: str, current: str) -> AwsError:
    return AwsError(
        "PolicyNotFoundException",
        "Resource-based policy not found for the provided ResourceArn: Requested update for policy with revision id "
        f"{expected}, but the policy associated to target table {table_name} has revision id {current}.",
    )


def policy_exists(table_name: str, current: str) -> AwsError:
    return AwsError(
        "PolicyNotFoundException",
        "Resource-based policy not found for the provided ResourceArn: Requested policy update expecting none to be "
        f"present for table {table_name}, but a policy exists with revision id {current}.",
    )
