"""Pagination shared by every service: opaque tokens that resume after the last item seen.

A token carries the sort key of the page's last item, not an offset, so the next page is still
right when items before it were created or deleted between the calls, as with AWS's tokens.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from fogbank.protocols.errors import AwsError

T = TypeVar("T")
SortKey = str | int | float | tuple[Any, ...] | list[Any]


def encode(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode(token: str, invalid: Callable[[], AwsError]) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid() from None


def page(
    items: Iterable[T],
    size: int,
    token: str | None,
    key: Callable[[T], SortKey],
    invalid: Callable[[], AwsError],
    reverse: bool = False,
) -> tuple[list[T], str | None]:
    """One page of ``items`` in ``key`` order, and the token for the next one (None at the end)."""

    def comparable(item: T) -> list[Any]:
        # json turns tuples into lists: compare in that form so a decoded token matches.
        value = key(item)
        return list(value) if isinstance(value, (tuple, list)) else [value]

    ordered = sorted(items, key=comparable, reverse=reverse)
    start = 0
    if token:
        after = decode(token, invalid)
        after = after if isinstance(after, list) else [after]
        try:
            start = next(
                (
                    i
                    for i, item in enumerate(ordered)
                    if (comparable(item) < after if reverse else comparable(item) > after)
                ),
                len(ordered),
            )
        except TypeError:  # a token of another shape: not one we handed out for this listing
            raise invalid() from None
    chunk = ordered[start : start + size]
    more = start + size < len(ordered)
    return chunk, encode(key(chunk[-1])) if more and chunk else None
