"""ExpressionAttributeNames and ExpressionAttributeValues of one request.

One ``Placeholders`` is shared by every expression of a request, so that after binding them all,
``check_unused`` can report the placeholders none of them used, as DynamoDB does.
"""

from __future__ import annotations

import re
from typing import Any

from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.dynamodb.attributes import MAX_NESTING_DEPTH, AttributeValue, validate_value
from fogbank.services.dynamodb.input_faults import InputFault

_NAME_KEY = re.compile(r"#[0-9a-zA-Z_]+")
_VALUE_KEY = re.compile(r":[0-9a-zA-Z_]+")


class Placeholders:
    def __init__(
        self, names: dict[str, str] | None = None, values: dict[str, Any] | None = None, depth: int = MAX_NESTING_DEPTH
    ) -> None:
        """Validate the two maps as DynamoDB does before it parses any expression (values nested at most
        ``depth`` levels)."""
        if names is not None:
            if not names:
                raise validation_error("ExpressionAttributeNames must not be empty")
            for key in names:
                if not _NAME_KEY.fullmatch(key):
                    raise InputFault(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"')
        checked: dict[str, AttributeValue] = {}
        if values is not None:
            if not values:
                raise validation_error("ExpressionAttributeValues must not be empty")
            for key in values:
                if not _VALUE_KEY.fullmatch(key):
                    raise InputFault(f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"')
            for key, value in values.items():
                try:
                    checked[key] = validate_value(value, 1, depth)
                except InputFault as fault:
                    raise fault.for_expression_value(key) from None
                except AwsError as error:
                    raise validation_error(
                        f"ExpressionAttributeValues contains invalid value: {error.message} for key {key}"
                    ) from None
        self.names: dict[str, str] = dict(names or {})
        self.values = checked
        self._unused_names = dict.fromkeys(self.names)
        self._unused_values = dict.fromkeys(self.values)

    def name(self, token: str) -> str | None:
        """The attribute name for ``#token`` (None when undefined); marks it used."""
        self._unused_names.pop(token, None)
        return self.names.get(token)

    def value(self, token: str) -> AttributeValue | None:
        """The AttributeValue for ``:token`` (None when undefined); marks it used."""
        self._unused_values.pop(token, None)
        return self.values.get(token)

    def check_unused(self) -> None:
        """Raise DynamoDB's error for placeholders that no expression of the request used."""
        if self._unused_names:
            keys = ", ".join(self._unused_names)
            raise InputFault(f"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{keys}}}")
        if self._unused_values:
            keys = ", ".join(self._unused_values)
            raise InputFault(f"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{keys}}}")
