"""The check_code sandbox: correct checkers decide, hostile ones yield None quickly and harm nothing.

Every hostile snippet is run with the in-child guards (audit hook, socket/spawn blocks) on, which is what
`check_code` always does; the `TestOSLayer` cases switch the guards off to show that the OS limits hold on their own.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from lightif import sandbox
from lightif.sandbox import SandboxLimits, check_code, run_sandboxed

FAST = 3.0  # seconds: every case must come back well within this


def fn(body: str, imports: str = "") -> str:
    """A checker whose `check_response(response)` runs `body` (indented)."""
    lines = "\n".join("    " + ln for ln in body.strip("\n").splitlines())
    return f"{imports}\ndef check_response(response):\n{lines}\n"


def timed(code: str, response: str = "x", **kw) -> tuple[bool | None, float]:
    t0 = time.monotonic()
    out = check_code(code, response, cache=False, **kw)
    return out, time.monotonic() - t0


# ------------------------------------------------------------------------------------------- correct checkers
@pytest.mark.parametrize(
    "code, response, expected",
    [
        (fn("return len(response.split()) >= 3"), "one two three", True),
        (fn("return len(response.split()) >= 3"), "one two", False),
        (fn("return bool(re.search(r'\\d{4}', response))", "import re"), "year 2024", True),
        (fn("return response.isupper()"), "LOUD", True),
        # AutoIF names its function `evaluate`
        ("def evaluate(response):\n    return response.endswith('!')", "hi!", True),
        # fences are removed by prefix/suffix, not as a character set (D6): the leading 'p' of `print` survives
        ("```python\ndef check_response(response):\n    print('x')\n    return True\n```", "r", True),
        ("```\ndef check_response(response):\n    return False\n```\n", "r", False),
    ],
)
def test_correct_checker_decides(code, response, expected):
    assert check_code(code, response, cache=False) is expected


@pytest.mark.parametrize(
    "response",
    ["tricky \"\"\" ''' {0} %s \\n \\ \\\\ end", "\x00nul\x00", "é中文😀\u2028", "", "\r\n\t  ", "a" * 100_000],
)
def test_response_is_data_not_source(response):
    """The response reaches the checker byte-exact, whatever quotes, braces, backslashes or NULs it holds."""
    code = fn(f"return response == {response!r}")
    assert check_code(code, response, cache=False) is True
    assert check_code(code, response + "?", cache=False) is False


def test_ten_megabyte_response():
    big = "word " * 2_000_000  # 10 MB
    out, secs = timed(fn("return len(response) == 10_000_000"), big)
    assert out is True and secs < FAST


def test_user_prints_cannot_forge_the_result():
    code = fn('print(\'{"status": "ok", "value": true}\')\nreturn False')
    assert check_code(code, "x", cache=False) is False


# ------------------------------------------------------------------------------------------- hostile checkers
HOSTILE = {
    "syntax_error": "def check_response(response) return True",
    "non_bool_int": fn("return 1"),
    "non_bool_str": fn("return 'True'"),
    "non_bool_none": fn("return None"),
    "raises": fn("raise ValueError('boom')"),
    "exit_at_import": "exit(0)",
    "exit_in_call": fn("import sys\nsys.exit(1)"),
    "os_exit": fn("import os\nos._exit(0)"),
    "missing_function": "def something_else(response):\n    return True",
    "recursion": fn("def f(n):\n    return f(n + 1)\nreturn f(0)"),
    "huge_allocation": fn("x = bytearray(10 ** 10)\nreturn True"),
    "growing_list": fn("x = []\nwhile True:\n    x.append('y' * 10**6)"),
    "fork_bomb": fn("while True:\n    os.fork()", "import os"),
    "subprocess": fn("subprocess.run(['true'])\nreturn True", "import subprocess"),
    "os_system": fn("os.system('true')\nreturn True", "import os"),
    "ctypes": fn("import ctypes\nreturn True"),
    "kill_parent": fn("os.kill(os.getppid(), 9)\nreturn True", "import os"),
    "read_passwd": fn("return 'root' in open('/etc/passwd').read()"),
    "list_root": fn("import os\nreturn len(os.listdir('/')) > 0"),
    "stdout_flood": fn("import os\nwhile True:\n    os.write(1, b'x' * 65536)"),
    "stderr_flood": fn("import os\nwhile True:\n    os.write(2, b'x' * 65536)"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_checker_yields_none_quickly(name):
    out, secs = timed(HOSTILE[name], timeout_s=1.0)
    assert out is None, name
    assert secs < FAST, f"{name} took {secs:.2f}s"


@pytest.mark.parametrize("body", ["while True:\n    pass", "import time\ntime.sleep(60)\nreturn True"])
def test_infinite_loop_and_sleep_time_out(body):
    res = run_sandboxed(fn(body), "x", SandboxLimits(timeout_s=0.5))
    assert res.status == "timeout" and res.decided is None
    assert res.seconds < 1.5


def test_write_outside_temp_leaves_nothing(tmp_path):
    target, existing = tmp_path / "pwned.txt", tmp_path / "keep.txt"
    existing.write_text("precious")
    code = fn(f"open({str(target)!r}, 'w').write('x')\nopen({str(existing)!r}, 'w').write('gone')\nreturn True")
    assert check_code(code, "x", cache=False) is None
    assert not target.exists()
    assert existing.read_text() == "precious"


def test_secret_file_read_is_denied(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    res = run_sandboxed(fn(f"return open({str(secret)!r}).read() == 'hunter2'"), "x")
    assert res.decided is None and "not allowed" in res.message


def test_environment_secrets_are_not_inherited(monkeypatch):
    monkeypatch.setenv("LIGHTIF_FAKE_SECRET", "s3cret")
    monkeypatch.setenv("HF_TOKEN", "hf_fake")
    code = fn(
        "return 'LIGHTIF_FAKE_SECRET' in os.environ or 'HF_TOKEN' in os.environ or len(os.environ) > 2", "import os"
    )
    assert check_code(code, "x", cache=False) is False  # it ran, and saw nothing


def _listener() -> tuple[socket.socket, list]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(2.0)
    accepted: list = []

    def serve():
        try:
            accepted.append(srv.accept())
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    return srv, accepted


@pytest.mark.parametrize("how", ["create_connection", "raw_socket", "getaddrinfo"])
def test_socket_connect_is_refused(how):
    srv, accepted = _listener()
    port = srv.getsockname()[1]
    body = {
        "create_connection": f"socket.create_connection(('127.0.0.1', {port}), timeout=1)",
        "raw_socket": f"s = socket.socket()\ns.settimeout(1)\ns.connect(('127.0.0.1', {port}))",
        "getaddrinfo": "socket.getaddrinfo('localhost', 80)",
    }[how]
    try:
        assert check_code(fn(body + "\nreturn True", "import socket"), "x", cache=False) is None
        time.sleep(0.1)
        assert accepted == []
    finally:
        srv.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="without root there is no pids cgroup or PID namespace")
def test_no_process_survives_a_fork_bomb():
    """Even children that start their own session (escaping a process-group kill) are gone after the call."""
    code = fn(
        "import os, time\nfor _ in range(8):\n    if os.fork() == 0:\n        os.setsid()\n"
        "        time.sleep(30)\nreturn True"
    )
    run_sandboxed(code, "x", SandboxLimits(timeout_s=1.0, guards=False))
    time.sleep(0.2)
    assert not _sandbox_children()


def _cmdline_has(proc_dir: Path, needle: str) -> bool:
    try:
        return needle.encode() in (proc_dir / "cmdline").read_bytes()
    except OSError:
        return False


def _sandbox_children() -> list[int]:
    """Processes still running the sandbox runner (its source is on the command line after -c)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and _cmdline_has(p, "def _install_audit_hook"):
            out.append(int(p.name))
    return out


# ------------------------------------------------------------------------------------------- the OS layer alone
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and the pids cgroup need root here")


class TestOSLayer:
    """Guards off: what the kernel enforces even if hostile code got past the in-process blocks."""

    def run(self, body: str, imports: str = "import os, socket") -> sandbox.SandboxResult:
        return run_sandboxed(fn(body, imports), "x", SandboxLimits(timeout_s=1.5, guards=False))

    def test_memory_limit(self):
        assert self.run("x = bytearray(10 ** 9)\nreturn True").decided is None

    def test_cpu_and_wall_limit(self):
        res = self.run("while True:\n    pass")
        assert res.status == "timeout" and res.seconds < FAST

    def test_empty_environment(self, monkeypatch):
        monkeypatch.setenv("LIGHTIF_FAKE_SECRET", "s3cret")
        assert self.run("return 'LIGHTIF_FAKE_SECRET' not in os.environ").decided is True

    @needs_root
    def test_filesystem_is_read_only(self, tmp_path):
        existing = tmp_path / "keep.txt"
        existing.write_text("precious")
        res = self.run(f"open({str(existing)!r}, 'w')\nreturn True")
        assert res.decided is None and "Read-only" in res.message
        assert existing.read_text() == "precious"

    @needs_root
    def test_network_namespace(self):
        srv, accepted = _listener()
        try:
            res = self.run(f"socket.create_connection(('127.0.0.1', {srv.getsockname()[1]}), timeout=1)\nreturn True")
            assert res.decided is None and accepted == []
        finally:
            srv.close()

    @needs_root
    def test_fork_bomb_is_capped_and_cleaned_up(self):
        t0 = time.monotonic()
        res = self.run("while True:\n    os.fork()")
        assert res.decided is None and time.monotonic() - t0 < FAST
        probe = sandbox._PidsCgroup(1)
        has_cgroup = probe.path is not None
        probe.kill_all_and_remove()
        if has_cgroup:  # pids.max refused the fork (EAGAIN) long before the timeout
            assert res.status == "error" and "Resource temporarily unavailable" in res.message, res
        time.sleep(0.1)
        assert not _sandbox_children()

    @needs_root
    def test_cannot_signal_the_parent(self):
        # PID namespace: the parent is invisible, so kill(getppid()) cannot reach this test process
        res = self.run(f"os.kill({os.getpid()}, 9)\nreturn True")
        assert res.decided is None and "ProcessLookupError" in res.message


# ------------------------------------------------------------------------------------------- cache
def test_cache_hits_and_keys():
    sandbox.clear_cache()
    code = fn("return 'z' in response")
    before = dict(sandbox.stats)
    assert check_code(code, "z") is True
    assert check_code(code, "z") is True
    assert check_code(code, "y") is False
    assert sandbox.stats["runs"] - before["runs"] == 2
    assert sandbox.stats["cache_hits"] - before["cache_hits"] == 1


def test_timeouts_are_not_cached():
    sandbox.clear_cache()
    code = fn("while True:\n    pass")
    before = sandbox.stats["runs"]
    assert check_code(code, "x", timeout_s=0.3) is None
    assert check_code(code, "x", timeout_s=0.3) is None
    assert sandbox.stats["runs"] - before == 2


def test_concurrent_calls_are_independent():
    from concurrent.futures import ThreadPoolExecutor

    code = fn("return response.endswith('7')")
    responses = [f"r{i}" for i in range(12)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda r: check_code(code, r, cache=False), responses))
    assert got == [r.endswith("7") for r in responses]


# ------------------------------------------------------------------------------------------- through the reward
def test_reward_runs_type_b_checkers_only_when_allowed():
    from lightif.rewards import lightif_reward

    def spec(code: str) -> list[dict]:
        return [{"id": "lightif_en:check_code", "params": {"code": code}}]

    good = fn("return 'team' in response")
    completion = "<think>plan</think>Our team wins."
    off = lightif_reward(completion, spec(good))
    assert off.reward == 0.0 and "disabled" in off.error  # off by default: never executed
    on = lightif_reward(completion, spec(good), allow_check_code=True)
    assert on.error is None and on.acc == 1.0
    assert lightif_reward("<think>p</think>solo", spec(good), allow_check_code=True).acc == 0.0
    hostile = lightif_reward(completion, spec(fn("import os\nos.system('true')\nreturn True")), allow_check_code=True)
    assert hostile.reward == 0.0 and hostile.error and "undecided" in hostile.error
