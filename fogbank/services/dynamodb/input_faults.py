"""Faults in a request's own input, worded in the layer of the operation that met them.

DynamoDB checks a request's input in one of two layers, and the operation decides which (recorded from AWS in
us-east-1, eu-west-1, eu-west-2 and us-west-2, 2026-10):

- the current layer: PutItem, UpdateItem and DeleteItem answer inside the ``1 validation error detected: ``
  envelope, GetItem, BatchGetItem and Query bare; an expression value's fault is not wrapped;
- the older layer: BatchWriteItem, TransactWriteItems, TransactGetItems and Scan answer bare, an expression
  value's fault inside ``ExpressionAttributeValues contains invalid value: ... for key :v``.

Malformed numbers, duplicated set members and values nested too deep are worded differently too: an empty
number keeps the colon only in the current layer, which also quotes a duplicated set's members in byte order
up to the repeat. Expression errors (``Invalid ConditionExpression: ...``), bad placeholder keys and unused
placeholders read the same in both layers, enveloped or not. An ``InputFault`` carries both wordings; the
service's handler wrapper words it for the operation (``render``). Its own message is the older layer's.
"""

from __future__ import annotations

import base64

from fogbank.protocols.errors import AwsError, validation_error

INVALID = "One or more parameter values were invalid: "
ENVELOPED = frozenset(("PutItem", "UpdateItem", "DeleteItem"))
CURRENT_BARE = frozenset(("GetItem", "BatchGetItem", "Query"))


class InputFault(AwsError):
    def __init__(self, older: str, current: str | None = None) -> None:
        super().__init__("ValidationException", older, 400)
        self.current = older if current is None else current

    def for_expression_value(self, key: str) -> InputFault:
        """The same fault met in ExpressionAttributeValues: only the older layer names the placeholder."""
        return InputFault(
            f"ExpressionAttributeValues contains invalid value: {self.message} for key {key}", self.current
        )


def layer_of(operation: str) -> str | None:
    """How ``operation`` words a InputFault: "enveloped", "bare" (both the current layer) or None (older)."""
    if operation in ENVELOPED:
        return "enveloped"
    if operation in CURRENT_BARE:
        return "bare"
    return None


def render(fault: InputFault, layer: str | None) -> AwsError:
    if layer == "enveloped":
        return validation_error(f"1 validation error detected: {fault.current}")
    if layer == "bare":
        return validation_error(fault.current)
    return fault


def duplicate_members(kind: str, members: list) -> InputFault:
    """A string, binary or number set with a repeated member."""
    if kind == "NS":
        return InputFault("Input collection contains duplicates", f"{INVALID}Input collection contains duplicates.")
    shown = members if kind == "SS" else [base64.b64encode(member).decode() for member in members]
    # The current layer lists the members it had sorted when it met the repeat, then the repeat, then the rest.
    repeat = _first_repeat(members)
    ordered = [shown[i] for i in sorted(range(repeat), key=lambda i: members[i])] + shown[repeat:]
    if kind == "SS":
        older = f"{INVALID}Input collection [{', '.join(members)}] contains duplicates."
        current = "[" + ", ".join(f'"{member}"' for member in ordered) + "]"
        return InputFault(older, f"{INVALID}Input collection {current} contains duplicates.")
    older = f"{INVALID}Input collection [{', '.join(shown)}]of type BS contains duplicates."
    current = "[" + ",".join(f'"{member}"' for member in ordered) + "]"
    return InputFault(older, f"{INVALID}Input collection {current}of type BS contains duplicates.")


def _first_repeat(members: list) -> int:
    seen: set = set()
    for position, member in enumerate(members):
        if member in seen:
            return position
        seen.add(member)
    return len(members)
