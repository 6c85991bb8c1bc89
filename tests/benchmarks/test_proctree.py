"""benchmarks/proctree.py: the CPU the benchmarks charge to a server and its processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from benchmarks import proctree
from tests.conftest import pg_available

BURN = "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"


def _python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def test_a_server_keeps_the_cpu_of_the_children_it_has_reaped() -> None:
    """A forking server's ended child (a PostgreSQL backend after its connection closed)
    still counts: without it a run's server CPU would shrink as connections close."""
    server = _python(f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {BURN.format(seconds=0.3)!r}], check=True)
        print("reaped", flush=True)
        sys.stdin.read()
    """)
    try:
        assert server.stdout.readline().strip() == "reaped"
        assert proctree.server_cpu_seconds(server.pid) - proctree.cpu_seconds(server.pid) >= 0.25
    finally:
        server.stdin.close()
        server.wait(timeout=10)


def test_cpu_of_a_process_whose_threads_come_and_go_is_never_lost() -> None:
    """A threading server's threads end while its tree is read; the process must still count."""
    server = _python(f"""
        import sys, threading
        exec({BURN.format(seconds=0.2)!r})
        def churn():
            while True:
                thread = threading.Thread(target=lambda: None)
                thread.start()
                thread.join()
        threading.Thread(target=churn, daemon=True).start()
        print("churning", flush=True)
        sys.stdin.read()
    """)
    try:
        assert server.stdout.readline().strip() == "churning"
        readings = [proctree.cpu_seconds(server.pid) for _ in range(300)]
        assert min(readings) >= 0.15
    finally:
        server.stdin.close()
        server.wait(timeout=10)


@pytest.mark.skipif(not pg_available(), reason="no PostgreSQL server to find")
def test_the_local_postgresql_server_is_found_and_its_cpu_read() -> None:
    pid = proctree.postmaster()
    if pid is None:
        pytest.skip("the PostgreSQL server runs out of sight (another machine or container)")
    comm = open(f"/proc/{pid}/comm").read().strip()
    assert comm == "postgres"
    first = proctree.server_cpu_seconds(pid)
    time.sleep(0.05)
    assert proctree.server_cpu_seconds(pid) >= first > 0
