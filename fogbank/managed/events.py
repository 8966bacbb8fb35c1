"""Events: what happened to a service's resources, as DescribeEvents lists them.

Kept 14 days (AWS's retention) and at most ``MAX_EVENTS`` per scope. ``EventQuery`` carries
DescribeEvents' filters (SourceType, SourceIdentifier, StartTime, EndTime, Duration,
EventCategories); the service checks their values with its own errors and renders ``Event``
in its own API shape (RDS adds ``SourceArn`` and ``EventCategories``, ElastiCache has neither).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError

RETENTION = dt.timedelta(days=14)
MAX_EVENTS = 2000
DEFAULT_DURATION_MINUTES = 60  # DescribeEvents without a start: the last hour


@dataclass(frozen=True)
class Event:
    source_type: str
    source_id: str
    message: str
    date: dt.datetime
    arn: str = ""
    categories: tuple[str, ...] = ()
    sequence: int = 0  # order of recording: events of the same instant keep their order

    def document(self) -> dict[str, Any]:
        return {
            "SourceType": self.source_type,
            "SourceIdentifier": self.source_id,
            "Message": self.message,
            "Date": self.date.isoformat(),
            "SourceArn": self.arn,
            "EventCategories": list(self.categories),
            "Sequence": self.sequence,
        }

    @classmethod
    def load(cls, document: dict[str, Any]) -> Event:
        return cls(
            document["SourceType"],
            document["SourceIdentifier"],
            document["Message"],
            dt.datetime.fromisoformat(document["Date"]),
            document.get("SourceArn", ""),
            tuple(document.get("EventCategories", ())),
            int(document.get("Sequence", 0)),
        )


@dataclass(frozen=True)
class EventQuery:
    source_type: str | None = None
    source_id: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    duration_minutes: int | None = None
    categories: frozenset[str] = field(default_factory=frozenset)

    def window(self, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """[start, end]: EndTime defaults to now, StartTime to Duration (an hour) before it."""
        end = self.end or moment
        start = self.start or end - dt.timedelta(minutes=self.duration_minutes or DEFAULT_DURATION_MINUTES)
        return start, end

    def matches(self, event: Event, start: dt.datetime, end: dt.datetime) -> bool:
        if not start <= event.date <= end:
            return False
        if self.source_type and event.source_type != self.source_type:
            return False
        if self.source_id and event.source_id != self.source_id:
            return False
        return not self.categories or bool(self.categories & set(event.categories))


class EventLog:
    """The events of one scope, oldest first. Callers hold the store's lock."""

    def __init__(self, events: list[Event] | None = None) -> None:
        self.events: list[Event] = events or []

    def record(
        self, source_type: str, source_id: str, message: str, arn: str = "", categories: tuple[str, ...] = ()
    ) -> Event:
        moment = dt.datetime.now(dt.UTC)
        sequence = self.events[-1].sequence + 1 if self.events else 1
        event = Event(source_type, source_id, message, moment, arn, tuple(categories), sequence)
        self.events.append(event)
        cutoff = moment - RETENTION
        if len(self.events) > MAX_EVENTS or self.events[0].date < cutoff:
            self.events = [e for e in self.events[-MAX_EVENTS:] if e.date >= cutoff]
        return event

    def select(self, query: EventQuery) -> list[Event]:
        start, end = query.window(dt.datetime.now(dt.UTC))
        return [event for event in self.events if query.matches(event, start, end)]

    def page(
        self, query: EventQuery, size: int, marker: str | None, invalid: Callable[[], AwsError]
    ) -> tuple[list[Event], str | None]:
        """One page of the matching events, oldest first, and the next page's marker."""
        return paging.page(self.select(query), size, marker, key=lambda e: e.sequence, invalid=invalid)

    def documents(self) -> list[dict[str, Any]]:
        return [event.document() for event in self.events]

    @classmethod
    def load(cls, documents: list[dict[str, Any]]) -> EventLog:
        return cls([Event.load(document) for document in documents])
