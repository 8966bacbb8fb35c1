"""Malformed numbers and sets with duplicates, worded in the layer of the operation that met them.

DynamoDB checks AttributeValues in one of two layers, and the operation decides which (recorded from AWS in
us-east-1, eu-west-1, eu-west-2 and us-west-2, 2026-10):

- the current layer: PutItem, UpdateItem and DeleteItem answer inside the ``1 validation error detected: ``
  envelope, GetItem, BatchGetItem and Query bare; an expression value's fault is not wrapped;
- the older layer: BatchWriteItem, TransactWriteItems, TransactGetItems and Scan answer bare, an expression
  value's fault inside ``ExpressionAttributeValues contains invalid value: ... for key :v``.

The wording differs too: an empty number keeps the colon only in the current layer, and the current layer
quotes a duplicated set's members in byte order up to the repeat. A ``ValueFault`` carries both; the
service's handler wrapper words it for the operation (``render``). Its own message is the older layer's.
"""

from __future__ import annotations

import base64

from fogbank.protocols.errors import AwsError, validation_error

INVALID = "One or more parameter values were invalid: "
ENVELOPED = frozenset(("PutItem", "UpdateItem", "DeleteItem"))
CURRENT_BARE = frozenset(("GetItem", "BatchGetItem", "Query"))


class ValueFault(AwsError):
    def __init__(self, older: str, current: str | None = None) -> None:
        super().__init__("ValidationException", older, 400)
        self.current = older if current is None else current

    def for_expression_value(self, key: str) -> ValueFault:
        """The same fault met in ExpressionAttributeValues: only the older layer names the placeholder."""
        return ValueFault(
            f"ExpressionAttributeValues contains invalid value: {self.message} for key {key}", self.current
        )


def layer_of(operation: str) -> str | None:
    """How ``operation`` words a ValueFault: "enveloped", "bare" (both the current layer) or None (older)."""
    if operation in ENVELOPED:
        return "enveloped"
    if operation in CURRENT_BARE:
        return "bare"
    return None


def render(fault: ValueFault, layer: str | None) -> AwsError:
    if layer == "enveloped":
        return validation_error(f"1 validation error detected: {fault.current}")
    if layer == "bare":
        return validation_error(fault.current)
    return fault


def duplicate_members(kind: str, members: list) -> ValueFault:
    """A string, binary or number set with a repeated member."""
    if kind == "NS":
        return ValueFault("Input collection contains duplicates", f"{INVALID}Input collection contains duplicates.")
    shown = members if kind == "SS" else [base64.b64encode(member).decode() for member in members]
    # The current layer lists the members it had sorted when it met the repeat, then the repeat, then the rest.
    repeat = _first_repeat(members)
    ordered = [shown[i] for i in sorted(range(repeat), key=lambda i: members[i])] + shown[repeat:]
    if kind == "SS":
        older = f"{INVALID}Input collection [{', '.join(members)}] contains duplicates."
        current = "[" + ", ".join(f'"{member}"' for member in ordered) + "]"
        return ValueFault(older, f"{INVALID}Input collection {current} contains duplicates.")
    older = f"{INVALID}Input collection [{', '.join(shown)}]of type BS contains duplicates."
    current = "[" + ",".join(f'"{member}"' for member in ordered) + "]"
    return ValueFault(older, f"{INVALID}Input collection {current}of type BS contains duplicates.")


def _first_repeat(members: list) -> int:
    seen: set = set()
    for position, member in enumerate(members):
        if member in seen:
            return position
        seen.add(member)
    return len(members)
