"""fogbank/state.py: durable JSON documents that a kill -9 can never tear."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fogbank import state

# A child that rewrites one document forever, alternating a small and a large version, and says
# when the first write is done. A torn write would show as a truncated or mixed document.
WRITER = """
import sys
from pathlib import Path
from fogbank.state import write_json
path = Path(sys.argv[1])
small = {"version": "small", "items": list(range(10))}
large = {"version": "large", "items": ["x" * 100] * 20000}
write_json(path, small)
print("ready", flush=True)
n = 0
while True:
    n += 1
    write_json(path, large if n % 2 else small)
"""


def test_kill_9_mid_write_never_leaves_a_torn_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    rng = random.Random(7)
    for _ in range(8):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        document = state.read_json(path)  # must parse: the old or the new version, whole
        assert document["version"] in ("small", "large")
        assert len(document["items"]) == (10 if document["version"] == "small" else 20000)
        # No temporary file may pass for the document; leftovers of killed writes are hidden files.
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == ["doc.json"]


def test_round_trip_of_bytes_and_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "doc.json"  # parents are created
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 500000, tzinfo=dt.UTC)
    state.write_json(path, {"blob": b"\x00\xff", "when": when, "tags": ("a", "b")})
    assert state.read_json(path) == {"blob": "AP8=", "when": when.timestamp(), "tags": ["a", "b"]}


def test_read_json_default_for_a_missing_document(tmp_path: Path) -> None:
    assert state.read_json(tmp_path / "missing.json") is None
    assert state.read_json(tmp_path / "missing.json", default={}) == {}


def test_a_failed_write_keeps_the_old_document_and_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "doc.json"
    state.write_json(path, {"v": 1})

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        state.write_json(path, {"v": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"v": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json"]


def test_unserializable_values_fail_before_touching_the_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    state.write_json(path, {"v": 1})
    with pytest.raises(TypeError):
        state.write_json(path, {"v": object()})
    assert state.read_json(path) == {"v": 1}
