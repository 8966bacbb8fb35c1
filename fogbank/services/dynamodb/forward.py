"""Plain overwrites from worker processes, written by the main process.

With workers (fogbank/workers.py) every process may write the one SQLite database, and each write phase
of one process empties the others' page caches, so a write in a worker costs several extra page reads.
The most common write needs none of that: a PutItem with no condition, no ReturnValues, on a table
without indexes. A worker checks such a put as usual, then sends the encoded item to the main process
over a local socket, batched per loop turn; the main process writes it in its own write phase (with the
indexes its catalog has, should one have appeared meanwhile) and answers with the old item's size once
the phase has committed. Only then does the worker answer its client, so an acknowledged write is on disk.
Every other write still runs in the process that received it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fogbank.gateway.commit import Deferred, GroupCommit, WithdrawnAnswer
from fogbank.protocols.errors import AwsError

if TYPE_CHECKING:
    from fogbank.services.dynamodb.backend import Backend

log = logging.getLogger("fogbank.dynamodb.forward")

_FRAME = struct.Struct("<I")  # the length of what follows
_HEAD = struct.Struct("<QI")  # batch id, entries
_ENTRY = struct.Struct("<QIIII")  # tid, size, len(pk), len(sk), len(item)
_ANSWER = struct.Struct("<Bq")  # 0 written (old size, -1: none) / 1 error (then a length-prefixed message)


def _frame(payload: bytes) -> bytes:
    return _FRAME.pack(len(payload)) + payload


class _Frames:
    """Length-prefixed messages out of a byte stream."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        messages = []
        while len(self.buffer) >= _FRAME.size:
            (length,) = _FRAME.unpack_from(self.buffer)
            if len(self.buffer) < _FRAME.size + length:
                break
            messages.append(bytes(self.buffer[_FRAME.size : _FRAME.size + length]))
            del self.buffer[: _FRAME.size + length]
        return messages


class _Framed(asyncio.Protocol):
    """One end of the link between a worker and the main process: length-prefixed messages."""

    def __init__(self, on_message: Callable[[_Framed, bytes], None], on_close: Callable[[_Framed], None]) -> None:
        self.on_message = on_message
        self.on_close = on_close
        self.frames = _Frames()
        self.transport: asyncio.Transport | None = None

    @property
    def closed(self) -> bool:
        return self.transport is None or self.transport.is_closing()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        for message in self.frames.feed(data):
            self.on_message(self, message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.on_close(self)

    def send(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionError("the link to the other process is closed")
        self.transport.write(data)  # type: ignore[union-attr]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


# -- the worker's side ----------------------------------------------------------------------------


class Forwarder:
    def __init__(self, path: Path, group: GroupCommit) -> None:
        self.path = path
        self.group = group
        self._link: _Framed | None = None
        self._connecting = False
        self._batch: list[tuple[bytes, asyncio.Future[int | None]]] = []
        self._waiting: dict[int, list[asyncio.Future[int | None]]] = {}
        self._next = 0

    def ready(self) -> bool:
        """Whether a put can go to the main process now; until the link is up, puts are written here."""
        if not self.group.accepts():
            return False
        if self._link is not None and not self._link.closed:
            return True
        loop = self.group.loop
        if loop is not None and not self._connecting:
            self._connecting = True
            loop.create_task(self._connect(loop))
        return False

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            _, link = await loop.create_unix_connection(
                lambda: _Framed(lambda _, message: self._answered(message), self._lost), str(self.path)
            )
            self._link = link
        except OSError as error:
            log.warning("no link to the main process (%s): this worker writes its puts itself", error)
        finally:
            self._connecting = False

    def put(self, tid: int, pk: bytes, sk: bytes, size: int, blob: bytes) -> asyncio.Future[int | None]:
        """The old item's size (None: there was none) once the main process has committed the put."""
        loop = self.group.loop
        assert loop is not None
        future: asyncio.Future[int | None] = loop.create_future()
        if not self._batch:
            loop.call_soon(self._send)
        self._batch.append((_ENTRY.pack(tid, size, len(pk), len(sk), len(blob)) + pk + sk + blob, future))
        return future

    def _send(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        self._next += 1
        payload = _HEAD.pack(self._next, len(batch)) + b"".join(entry for entry, _ in batch)
        futures = [future for _, future in batch]
        try:
            assert self._link is not None
            self._link.send(_frame(payload))
        except (OSError, AssertionError):
            for future in futures:
                if not future.done():
                    future.set_exception(WithdrawnAnswer())
            return
        self._waiting[self._next] = futures

    def _answered(self, message: bytes) -> None:
        batch, count = _HEAD.unpack_from(message)
        futures = self._waiting.pop(batch, [])
        offset = _HEAD.size
        for index in range(count):
            status, value = _ANSWER.unpack_from(message, offset)
            offset += _ANSWER.size
            outcome: Any
            if status == 0:
                outcome = None if value < 0 else value
                error = None
            else:
                text = message[offset : offset + value].decode()
                offset += value
                code, _, detail = text.partition("\n")
                outcome, error = None, AwsError(code, detail)
            if index < len(futures) and not futures[index].done():
                if error is None:
                    futures[index].set_result(outcome)
                else:
                    futures[index].set_exception(error)

    def _lost(self, _: _Framed) -> None:
        """The main process went away: what it had not answered may not have been written."""
        waiting, self._waiting = self._waiting, {}
        for futures in waiting.values():
            for future in futures:
                if not future.done():
                    future.set_exception(WithdrawnAnswer())
        self._link = None

    def close(self) -> None:
        if self._link is not None:
            self._link.close()


# -- the main process's side ----------------------------------------------------------------------


class WriteServer:
    def __init__(self, path: Path, backend: Backend, group: GroupCommit) -> None:
        self.path = path
        self.backend = backend
        self.group = group
        self._listener: socket.socket | None = None
        self._serving: asyncio.Task | None = None
        self._links: set[_Framed] = set()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        os.chmod(self.path, 0o600)  # only this user's processes (the workers) may write through it
        listener.listen(64)
        self._listener = listener
        self._serving = loop.create_task(loop.create_unix_server(self._link, sock=listener))

    def _link(self) -> _Framed:
        link = _Framed(self._batch, self._links.discard)
        self._links.add(link)
        return link

    def _batch(self, link: _Framed, message: bytes) -> None:
        batch, count = _HEAD.unpack_from(message)
        offset = _HEAD.size
        entries = []
        for _ in range(count):
            tid, size, pk_length, sk_length, blob_length = _ENTRY.unpack_from(message, offset)
            offset += _ENTRY.size
            pk = message[offset : offset + pk_length]
            offset += pk_length
            sk = message[offset : offset + sk_length]
            offset += sk_length
            entries.append((tid, pk, sk, size, message[offset : offset + blob_length]))
            offset += blob_length
        put_packed = self.backend.put_packed

        def write(writer: Any) -> list[tuple[int | None, AwsError | None]]:
            # The whole batch as one write of the phase: each put succeeds or fails (a table gone) alone.
            outcomes: list[tuple[int | None, AwsError | None]] = []
            for tid, pk, sk, size, blob in entries:
                try:
                    outcomes.append((put_packed(writer, tid, pk, sk, size, blob), None))
                except AwsError as error:
                    outcomes.append((None, error))
            return outcomes

        deferred = self.backend.store.deferred(write)
        if not isinstance(deferred, Deferred):  # not on the loop (cannot happen here): written already
            self._reply(link, batch, deferred)
            return
        future = self.group.defer(deferred, _outcome)
        future.add_done_callback(lambda done: self._reply(link, batch, _batch_outcomes(done)))

    def _reply(self, link: _Framed, batch: int, outcomes: list[Any]) -> None:
        if link.closed:
            return
        parts = [_HEAD.pack(batch, len(outcomes))]
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                # The phase was rolled back (or worse): the worker must not answer its client.
                link.close()
                return
            old_size, error = outcome
            if error is None:
                parts.append(_ANSWER.pack(0, -1 if old_size is None else old_size))
            else:
                code = error.code if isinstance(error, AwsError) else "InternalFailure"
                detail = error.message if isinstance(error, AwsError) else "internal error"
                text = f"{code}\n{detail}".encode()
                parts.append(_ANSWER.pack(1, len(text)) + text)
        try:
            link.send(_frame(b"".join(parts)))
        except OSError:
            pass

    def close(self) -> None:
        for link in list(self._links):
            link.close()
        if self._serving is not None and self._serving.done() and not self._serving.cancelled():
            self._serving.result().close()
        if self._listener is not None:
            self._listener.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


def _outcome(result: Any, error: BaseException | None) -> tuple[Any, BaseException | None]:
    return result, error


def _batch_outcomes(done: asyncio.Future) -> list[Any]:
    """The batch's per-put outcomes, or one exception when its write phase was rolled back."""
    error = done.exception()
    if error is not None:
        return [error]
    outcomes, raised = done.result()
    return [raised] if raised is not None else outcomes
