"""The supervisor with real children: tiny TCP servers written in Python."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from fogbank.engines import users
from fogbank.engines.ports import PortUnavailableError
from fogbank.engines.supervisor import EngineStartError, ProcessSpec, Supervisor

# argv: port [seconds to wait before listening]. Says goodbye on SIGTERM.
SERVER = textwrap.dedent(
    """
    import os, signal, socket, sys, time
    print("child", os.getpid(), "starting", flush=True)
    def bye(*_):
        print("graceful stop", flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen()
    while True:
        s.accept()[0].close()
    """
)

# The engine user cannot run a Python installed under /root; Debian's own one it can.
SYSTEM_PYTHON = "/usr/bin/python3"


def server_spec(tmp: Path, port: int, *extra: str, **kwargs: object) -> ProcessSpec:
    script = tmp / "server.py"
    script.write_text(SERVER)
    script.chmod(0o644)
    python = SYSTEM_PYTHON if kwargs.get("unprivileged") else sys.executable
    return ProcessSpec(
        name=f"test/{port}",
        argv=[python, str(script), str(port), *extra],
        log_file=tmp / f"{port}.log",
        port=port,
        ready_timeout=10.0,
        **kwargs,  # type: ignore[arg-type]
    )


def gone(pid: int, within: float = 5.0) -> bool:
    """True once ``pid`` no longer runs (a zombie counts as gone)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_start_waits_until_ready_and_stop_is_graceful(supervisor: Supervisor, work_dir: Path) -> None:
    port = supervisor.allocate_port()
    spec = server_spec(work_dir, port, "0.3")
    proc = supervisor.start(spec)
    assert proc.alive() and connects(port)
    assert supervisor.running() == [spec.name]
    assert supervisor.get(spec.name) is proc
    supervisor.stop(spec.name)
    assert gone(proc.pid, within=1)
    assert "graceful stop" in spec.log_file.read_text()
    assert supervisor.running() == [] and supervisor.get(spec.name) is None


def test_readiness_timeout_reports_log_tail_and_kills_child(supervisor: Supervisor, work_dir: Path) -> None:
    port = supervisor.allocate_port()
    spec = server_spec(work_dir, port, "60")
    spec.ready_timeout = 1.0
    with pytest.raises(EngineStartError) as raised:
        supervisor.start(spec)
    message = str(raised.value)
    assert spec.name in message and "timeout" in message and "starting" in message
    pid = int(message.split("child ")[1].split()[0])
    assert gone(pid, within=1)
    assert supervisor.get(spec.name) is None


def test_exit_before_ready_reports_exit_code(supervisor: Supervisor, work_dir: Path) -> None:
    spec = ProcessSpec(
        name="test/crash",
        argv=[sys.executable, "-c", "print('no config, giving up'); raise SystemExit(3)"],
        log_file=work_dir / "crash.log",
        port=supervisor.allocate_port(),
    )
    with pytest.raises(EngineStartError, match="exited with code 3") as raised:
        supervisor.start(spec)
    assert "no config, giving up" in str(raised.value)


def test_killed_child_is_restarted(supervisor: Supervisor, work_dir: Path) -> None:
    port = supervisor.allocate_port()
    restarted = threading.Event()
    exits: list[tuple[str, int]] = []
    spec = server_spec(
        work_dir,
        port,
        on_exit=lambda name, code: exits.append((name, code)),
        on_restart=lambda name: restarted.set(),
    )
    proc = supervisor.start(spec)
    old_pid = proc.pid
    os.kill(old_pid, signal.SIGKILL)
    assert restarted.wait(10)
    assert exits == [(spec.name, -signal.SIGKILL)]
    assert proc.pid != old_pid and proc.alive() and proc.restarts == 1
    assert connects(port)


def test_no_restart_when_disabled(supervisor: Supervisor, work_dir: Path) -> None:
    exited = threading.Event()
    codes: list[int] = []
    spec = server_spec(
        work_dir,
        supervisor.allocate_port(),
        restart=False,
        on_exit=lambda _name, code: (codes.append(code), exited.set()),
    )
    proc = supervisor.start(spec)
    os.kill(proc.pid, signal.SIGKILL)
    assert exited.wait(5)
    time.sleep(1)
    assert codes == [-signal.SIGKILL]  # reported once
    assert not proc.alive() and proc.restarts == 0
    assert supervisor.running() == []


def test_stop_kills_a_child_that_ignores_the_stop_signal(supervisor: Supervisor, work_dir: Path) -> None:
    spec = server_spec(work_dir, supervisor.allocate_port(), stop_signal=signal.SIGUSR2)
    script = Path(spec.argv[1])
    script.write_text("import signal\nsignal.signal(signal.SIGUSR2, signal.SIG_IGN)\n" + SERVER)
    proc = supervisor.start(spec)
    started = time.monotonic()
    supervisor.stop(spec.name, timeout=0.5)
    assert gone(proc.pid, within=1)
    assert time.monotonic() - started < 3


def test_port_allocation_skips_ports_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        supervisor = Supervisor(port_range=(taken, min(taken + 20, 65535)))
        try:
            first = supervisor.allocate_port()
            assert first != taken
            assert supervisor.allocate_port() != first  # handed out once only
            with pytest.raises(PortUnavailableError):
                supervisor.allocate_port(preferred=taken)
            with pytest.raises(PortUnavailableError):
                supervisor.allocate_port(preferred=first)
            supervisor.release_port(first)
            assert supervisor.allocate_port(preferred=first) == first
        finally:
            supervisor.shutdown()


@pytest.mark.skipif(os.geteuid() != 0, reason="switching user needs root")
def test_unprivileged_child_runs_as_engine_user(supervisor: Supervisor, work_dir: Path) -> None:
    spec = server_spec(work_dir, supervisor.allocate_port(), unprivileged=True)
    proc = supervisor.start(spec)
    uid = os.stat(f"/proc/{proc.pid}").st_uid
    assert pwd.getpwuid(uid).pw_name == users.UNPRIVILEGED_USER


# A Fogbank stand-in: starts one child from a short-lived thread (the case PDEATHSIG gets
# wrong when the forking thread exits), prints its pid, then waits to be killed.
PARENT = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from fogbank.engines.supervisor import ProcessSpec, Supervisor, exit_on_termination_signals
    exit_on_termination_signals()
    python, script, port, log, unprivileged = sys.argv[1:]
    sup = Supervisor(port_range=(int(port), int(port)))
    spec = ProcessSpec("orphan-test", [python, script, port], Path(log), port=int(port),
                       unprivileged=unprivileged == "1")
    worker = threading.Thread(target=lambda: print(sup.start(spec).pid, flush=True))
    worker.start()
    worker.join()
    while True:
        time.sleep(1)
    """
)


def ignore_like_a_background_job() -> None:
    """A shell's background job (``cmd &``) starts with SIGINT and SIGQUIT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)


def ignored_signals(pid: int) -> set[int]:
    with open(f"/proc/{pid}/status") as f:
        mask = int(next(line for line in f if line.startswith("SigIgn:")).split()[1], 16)
    return {signum for signum in range(1, 64) if mask & (1 << (signum - 1))}


@contextmanager
def run_parent(
    supervisor: Supervisor, work_dir: Path, unprivileged: bool
) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    """The stand-in parent, started as from a background job, and killed at the end whatever happens."""
    spec = server_spec(work_dir, supervisor.allocate_port(), unprivileged=unprivileged)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, spec.argv[0], spec.argv[1], str(spec.port), str(spec.log_file)]
        + ["1" if unprivileged else "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        preexec_fn=ignore_like_a_background_job,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        try:
            time.sleep(0.3)  # the worker thread that asked for the child has exited by now
            assert not gone(child, within=0), "child died with the short-lived thread"
            yield parent, child, spec.log_file
        finally:
            with suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.parametrize("unprivileged", [False, True])
def test_parent_killed_with_sigkill_leaves_no_orphan(
    supervisor: Supervisor, work_dir: Path, unprivileged: bool
) -> None:
    if unprivileged and os.geteuid() != 0:
        pytest.skip("switching user needs root")
    with run_parent(supervisor, work_dir, unprivileged) as (parent, child, _):
        parent.kill()
        parent.wait()
        assert gone(child), f"child {child} outlived its parent"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_parent_terminated_stops_children_gracefully(supervisor: Supervisor, work_dir: Path, signum: int) -> None:
    # The parent starts with SIGINT ignored, as from a background job: Ctrl-C must still stop it.
    with run_parent(supervisor, work_dir, unprivileged=False) as (parent, child, log_file):
        parent.send_signal(signum)
        parent.wait(10)
        assert gone(child)
        assert "graceful stop" in log_file.read_text()


def test_children_do_not_inherit_ignored_signals(supervisor: Supervisor, work_dir: Path) -> None:
    # An ignored disposition survives exec: PostgreSQL would then ignore its stop signal.
    ignored = {signal.SIGINT, signal.SIGQUIT, signal.SIGTERM}
    before = {signum: signal.signal(signum, signal.SIG_IGN) for signum in ignored}
    try:
        proc = supervisor.start(server_spec(work_dir, supervisor.allocate_port()))
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    assert not ignored_signals(proc.pid) & (ignored | {signal.SIGHUP})
