"""Run dataset-supplied checker code ("type B" `check_code`) in a sandboxed subprocess.

AutoIF-style records carry a Python snippet defining `check_response(response) -> bool` (AutoIF calls it
`evaluate`). The official Light-IF release `exec`s that string inside the reward process: the response is
string-formatted into the source (backslashes unescaped), the result is read through `locals()` (always `None` on
Python 3.13), there is no timeout, no sandbox, and code fences are removed with `strip("```json\\n")`, which strips a
*character set* (defect D6 in `LIGHT_IF_METHOD.md` §8). `lightif` never executes such code in-process. Instead
`check_code` starts a fresh interpreter per (uncached) call:

* `python -I` (isolated mode: no PYTHON* variables, no user site, no script dir on `sys.path`), an **empty
  environment** (no secrets inherited), cwd = a fresh empty temp dir, a new session (process group);
* the code and the response travel as JSON **data on stdin**, never formatted into source; a leading/trailing
  markdown fence is removed by prefix/suffix; the result comes back as one JSON object on stdout;
* OS limits the child applies to itself before any user code runs (not in a `preexec_fn`, which can deadlock when
  the parent has threads): RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE=0 (no file data written anywhere),
  RLIMIT_NOFILE, RLIMIT_CORE=0 and RLIMIT_NPROC against fork bombs. The kernel ignores RLIMIT_NPROC for root, so as
  root each call instead gets its own `pids` cgroup (`pids.max`, which also lets the parent kill every descendant,
  even one that called `setsid`), runs as PID 1 of a new PID namespace (`unshare --pid`: it cannot see or signal any
  outside process) inside a private network namespace and a mount namespace where every mount is read-only. As a
  non-root user the child tries an unprivileged user+network namespace. A wall-clock timeout ends in a SIGKILL of
  the whole process group;
* inside the child, before the user code runs: `socket.socket`, `create_connection`, `getaddrinfo` & co. are replaced
  by functions that raise, and a `sys.addaudithook` hook (irremovable) refuses sockets, process creation (fork, exec,
  spawn, subprocess, system), signals, ctypes, file writes/deletes/renames, and file reads or directory listings
  outside the interpreter's own directories (`sys.prefix`, `sys.path`) and the temp dir. The hook is defence in
  depth; the OS limits above are the boundary.

Result: `True`/`False` when the checker returned a real `bool`; `None` ("could not decide") on a syntax error, an
exception, `exit()`, a non-bool return, a timeout, the memory/CPU limit, or any forbidden operation. Callers count
`None` as a fail. Decided results (and deterministic errors) are cached in-process in an LRU keyed by
sha256(code, response, limits); timeouts and kills are not cached (they may depend on machine load).

Known limits (see docs/RELIABILITY.md): files readable by the current user stay readable to code that bypasses the
audit hook (we do not chroot or drop to another uid, because the interpreter may live in a directory only the current
user can read); as a non-root user without unprivileged user namespaces there is no network namespace, only the
in-process socket block; a forked process that calls `setsid` can outlive a timeout when no `pids` cgroup is available
(it stays bound by RLIMIT_CPU/RLIMIT_AS and by RLIMIT_NPROC).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# The program the child runs. It is a constant: user code and the response only ever arrive as JSON on stdin.
# ---------------------------------------------------------------------------------------------------------------
_RUNNER = r"""
import builtins, io, json, os, sys

_RUNNER_PID = os.getpid()

def _emit(fd, obj):
    if os.getpid() != _RUNNER_PID:      # a process forked by the checker never speaks for it
        os._exit(1)
    data = json.dumps(obj).encode("utf-8")
    while data:
        data = data[os.write(fd, data):]

def _block_network():
    import socket, _socket
    def refuse(*a, **k):
        raise PermissionError("sandbox: network access is disabled")
    class NoSocket:
        def __new__(cls, *a, **k):
            refuse()
    for mod in (socket, _socket):
        for name in ("socket", "SocketType"):
            if hasattr(mod, name):
                setattr(mod, name, NoSocket)
        for name in ("create_connection", "create_server", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
                     "gethostbyaddr", "getnameinfo", "socketpair", "fromfd", "send_fds", "recv_fds", "dup"):
            if hasattr(mod, name):
                setattr(mod, name, refuse)

def _block_spawn():
    import _posixsubprocess, subprocess
    def refuse(*a, **k):
        raise PermissionError("sandbox: process creation is disabled")
    _posixsubprocess.fork_exec = refuse
    import signal
    for name in ("fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv", "execve", "kill",
                 "killpg", "setsid", "setpgid", "setuid", "setgid", "pidfd_open", "pidfd_send_signal",
                 "pthread_kill"):
        for mod in (os, sys.modules["posix"], signal):
            if hasattr(mod, name):
                setattr(mod, name, refuse)

def _install_audit_hook(roots):
    # Everything the hook uses is bound as a default argument: user code can rebind module globals or builtins,
    # but not these (and rebinding the hook's __defaults__ raises an audited event, refused below).
    blocked_exact = frozenset({
        "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg",
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.chflags", "os.link",
        "os.symlink", "os.truncate", "os.utime", "os.startfile", "subprocess.Popen",
        "pty.spawn", "resource.setrlimit", "resource.prlimit", "sys._current_frames",
        "sys._current_exceptions", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "webbrowser.open",
        "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "imaplib.open",
        "poplib.connect", "nntplib.connect", "telnetlib.Telnet.open", "mmap.__new__", "signal.pthread_kill",
        "fcntl.ioctl", "sys.setprofile", "sys.settrace", "shutil.chown", "shutil.copyfile", "shutil.copymode",
        "shutil.copystat", "shutil.copytree", "shutil.move", "shutil.rmtree", "shutil.make_archive",
        "shutil.unpack_archive", "tempfile.mkstemp", "tempfile.mkdtemp", "os.chroot", "os.mkfifo", "os.mknod",
    })
    blocked_prefix = ("socket.", "ctypes.", "_ctypes.", "winreg.", "_winapi.", "msvcrt.", "os.exec", "os.spawn")
    # only fresh imports raise "import": _posixsubprocess is pre-imported (and neutered) by the runner, so this only
    # bites code that deletes it from sys.modules to get a pristine copy deletes them from sys.modules to get a pristine copy (fork_exec is the one unaudited spawn path)
    blocked_imports = frozenset({"_posixsubprocess", "ctypes", "_ctypes"})
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def allowed_path(path, roots=roots, fspath=os.fspath, fsdecode=os.fsdecode, realpath=os.path.realpath,
                     isinstance=isinstance, int=int, tuple=tuple):
        if path is None or isinstance(path, int):
            return path is None or path >= 0   # None: cwd (the empty temp dir); an int: an already-open fd
        real = realpath(fsdecode(fspath(path)))
        return real in roots or real.startswith(tuple(r + "/" for r in roots))

    def hook(event, args, blocked_exact=blocked_exact, blocked_prefix=blocked_prefix,
             blocked_imports=blocked_imports, write_flags=write_flags, allowed_path=allowed_path,
             isinstance=isinstance, str=str, int=int, any=any, PermissionError=PermissionError,
             ImportError=ImportError):
        if event in blocked_exact or event.startswith(blocked_prefix):
            raise PermissionError(f"sandbox: {event} is not allowed")
        if event == "import" and args and args[0] in blocked_imports:
            raise ImportError(f"sandbox: import of {args[0]} is not allowed")  # libraries try/except ImportError
        if event == "object.__setattr__" and args and args[0] in (hook, allowed_path):
            raise PermissionError("sandbox: cannot modify the audit hook")
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags)
            if writing:
                raise PermissionError(f"sandbox: writing files is not allowed ({path!r})")
            if not allowed_path(path):
                raise PermissionError(f"sandbox: reading {path!r} is not allowed")
        elif event in ("os.listdir", "os.scandir", "glob.glob", "os.walk", "os.chdir"):
            if not allowed_path(args[0] if args else None):
                raise PermissionError(f"sandbox: listing {args[0]!r} is not allowed")

    sys.addaudithook(hook)

def _confine(cfg):
    # OS limits, applied by the child to itself before any user code runs (no preexec_fn: check_code must be safe
    # to call from threads, and a fork-time hook in a threaded parent can deadlock)
    import resource
    if cfg["cgroup_procs"]:             # our own pids cgroup: caps tasks, lets the parent kill every descendant
        fd = os.open(cfg["cgroup_procs"], os.O_WRONLY)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
    if cfg["namespaces"]:
        try:                                # best effort: the rlimits below and the guards still apply without
            _unshare(cfg)
        except Exception:
            pass
        for name in [m for m in sys.modules if m in ("ctypes", "_ctypes") or m.startswith("ctypes.")]:
            del sys.modules[name]           # a later `import ctypes` is a fresh import, which the audit hook refuses
    for res, value in cfg["rlimits"]:
        resource.setrlimit(getattr(resource, res), (value, value))

def _unshare(cfg):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if cfg["root"]:
        # private network namespace (only a down loopback) + a mount namespace in which every mount is read-only:
        # as root, RLIMIT_FSIZE=0 alone would still let code create or truncate files
        if libc.unshare(0x40000000 | 0x00020000) == 0:                  # CLONE_NEWNET | CLONE_NEWNS
            libc.mount(b"none", b"/", None, 16384 | (1 << 18), None)     # MS_REC | MS_PRIVATE
            for point, keep in cfg["mounts"]:                            # MS_BIND | MS_REMOUNT | MS_RDONLY
                libc.mount(None, os.fsencode(point), None, 4096 | 32 | 1 | keep, None)
    else:
        libc.unshare(0x10000000 | 0x40000000)  # CLONE_NEWUSER | CLONE_NEWNET, where unprivileged userns work

def _readable_roots():
    # this interpreter's own directories (computed here, under -I, not inherited from the parent's sys.path) + cwd
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.getcwd(), *sys.path}
    return frozenset(os.path.realpath(r) for r in roots if r and os.path.isdir(r))

def _strip_fences(code):
    text = code.strip()
    if text.startswith("```"):
        first_nl = text.find("\n")
        text = text[first_nl + 1:] if first_nl >= 0 else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text

def _main():
    out_fd = os.dup(1)                      # the result channel; user prints go to /dev/null
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdin.close()
    _confine(req["confine"])
    if req["guards"]:
        _block_network()
        _block_spawn()
        _install_audit_hook(_readable_roots())
    try:
        code = compile(_strip_fences(req["code"]), "<check_code>", "exec")
    except (SyntaxError, ValueError) as exc:
        _emit(out_fd, {"status": "error", "message": f"syntax error: {exc}"})
        return
    namespace = {"__name__": "__check_code__", "__builtins__": builtins}
    try:
        exec(code, namespace)
        fn = None
        for name in req["entry_points"]:
            if callable(namespace.get(name)):
                fn = namespace[name]
                break
        if fn is None:
            _emit(out_fd, {"status": "error", "message": "no function " + " or ".join(req["entry_points"])})
            return
        value = fn(req["response"])
    except BaseException as exc:            # SystemExit from exit() included: the checker could not decide
        _emit(out_fd, {"status": "error", "message": f"{type(exc).__name__}: {exc}"[:500]})
        return
    if type(value) is not bool:
        _emit(out_fd, {"status": "error", "message": f"checker returned {type(value).__name__}, not bool"})
        return
    _emit(out_fd, {"status": "ok", "value": value})

_main()
"""

ENTRY_POINTS = ("check_response", "evaluate")  # Light-IF name first, then AutoIF's
_MAX_STDOUT = 1 << 16  # the result is a few bytes; never buffer a flood from hostile code


@dataclasses.dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for one checker run."""

    timeout_s: float = 2.0  # wall clock for the whole child, interpreter start-up included
    memory_mb: int = 256  # RLIMIT_AS
    max_files: int = 64  # RLIMIT_NOFILE
    max_procs: int = 16  # extra tasks allowed (RLIMIT_NPROC margin / pids.max)
    guards: bool = True  # in-child socket/spawn blocks + audit hook (tests switch them off to test the OS layer)


@dataclasses.dataclass(frozen=True)
class SandboxResult:
    """Outcome of one run: `status` is ok | error | timeout | killed; `value` is set only when status is ok."""

    status: str
    value: bool | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def decided(self) -> bool | None:
        return self.value if self.status == "ok" else None


# ------------------------------------------------------------------------------------------------- OS helpers
def _count_user_tasks(uid: int) -> int:
    """Tasks (threads) currently owned by `uid`: RLIMIT_NPROC counts them all, so the margin goes on top."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as fh:
                status = fh.read()
        except OSError:
            continue
        real_uid = threads = None
        for line in status.splitlines():
            if line.startswith(b"Uid:"):
                real_uid = int(line.split()[1])
            elif line.startswith(b"Threads:"):
                threads = int(line.split()[1])
        if real_uid == uid:
            total += threads or 1
    return total


class _PidsCgroup:
    """A throw-away `pids` cgroup (v1 or v2): caps the number of tasks and lets us kill every descendant."""

    def __init__(self, max_tasks: int):
        self.path: Path | None = None
        for base in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
            if base.name != "pids" and "pids" not in _read(base / "cgroup.subtree_control"):
                continue
            path = base / f"lightif-sandbox-{uuid.uuid4().hex[:12]}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(max_tasks))
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()
                continue
            self.path = path
            self.procs = os.fsencode(path / "cgroup.procs")
            return

    def join(self) -> None:
        """Called in the child before exec: move ourselves into the cgroup (raw os calls only)."""
        if self.path is not None:
            fd = os.open(self.procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)

    def kill_all_and_remove(self) -> None:
        if self.path is None:
            return
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            pids = [int(p) for p in _read(self.path / "cgroup.procs").split()]
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        with contextlib.suppress(OSError):
            self.path.rmdir()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


_MOUNT_OPT_FLAGS = {b"nosuid": 2, b"nodev": 4, b"noexec": 8}  # kept on remount (MS_NOSUID, MS_NODEV, MS_NOEXEC)


def _mount_points() -> list[tuple[str, int]]:
    """(mount point, flags to keep) for every mount, parents first."""
    out = set()
    try:
        with open("/proc/self/mountinfo", "rb") as fh:
            for line in fh:
                fields = line.split()
                point = fields[4].replace(b"\\040", b" ").replace(b"\\011", b"\t")
                keep = sum(f for opt, f in _MOUNT_OPT_FLAGS.items() if opt in fields[5].split(b","))
                out.add((os.fsdecode(point), keep))
    except (OSError, IndexError):
        return []
    return sorted(out, key=lambda pk: (pk[0].count("/"), pk[0]))


def _confinement(limits: SandboxLimits, cgroup: _PidsCgroup | None) -> dict:
    """What the child applies to itself before running user code (see `_confine` in the runner)."""
    root = os.geteuid() == 0
    cpu = max(1, math.ceil(limits.timeout_s)) + 1
    rlimits = [
        ("RLIMIT_AS", limits.memory_mb * 1024 * 1024),
        ("RLIMIT_CPU", cpu),
        ("RLIMIT_FSIZE", 0),
        ("RLIMIT_CORE", 0),
        ("RLIMIT_NOFILE", limits.max_files),
    ]
    if not root and os.path.isdir("/proc"):
        # the kernel ignores RLIMIT_NPROC for root; it counts all of the user's tasks, hence the offset
        rlimits.append(("RLIMIT_NPROC", _count_user_tasks(os.getuid()) + limits.max_procs))
    return {
        "root": root,
        "namespaces": sys.platform == "linux",
        "mounts": _mount_points() if root else [],
        "cgroup_procs": os.fsdecode(cgroup.procs) if cgroup is not None and cgroup.path is not None else "",
        "rlimits": rlimits,
    }


def _pid_namespace_prefix() -> list[str]:
    """As root, run the interpreter as PID 1 of a new PID namespace: it cannot see or signal any outside process
    (root could otherwise kill the trainer), and when it dies the kernel kills everything it started."""
    tool = shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin")
    return [tool, "--pid", "--kill-child"] if tool and os.geteuid() == 0 else []


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _exchange(proc: subprocess.Popen, payload: bytes, deadline: float) -> tuple[bytes, bool]:
    """Feed stdin and read (at most `_MAX_STDOUT` bytes of) stdout until EOF or the deadline. -> (out, timed_out)."""
    sel = selectors.DefaultSelector()
    os.set_blocking(proc.stdin.fileno(), False)
    sel.register(proc.stdin, selectors.EVENT_WRITE)
    sel.register(proc.stdout, selectors.EVENT_READ)
    out, view, sent = bytearray(), memoryview(payload), 0
    try:
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return bytes(out), True
            for key, _ in sel.select(left):
                if key.fileobj is proc.stdin:
                    try:
                        sent += os.write(proc.stdin.fileno(), view[sent : sent + (1 << 16)])
                    except (BrokenPipeError, OSError):
                        sent = len(payload)
                    if sent >= len(payload):
                        sel.unregister(proc.stdin)
                        with contextlib.suppress(OSError):
                            proc.stdin.close()
                else:
                    chunk = os.read(proc.stdout.fileno(), 1 << 16)
                    if not chunk or len(out) > _MAX_STDOUT:
                        sel.unregister(proc.stdout)
                    else:
                        out += chunk
    finally:
        sel.close()
    return bytes(out), False


def run_sandboxed(code: str, response: str, limits: SandboxLimits = SandboxLimits()) -> SandboxResult:
    """Run `code`'s `check_response(response)` in a fresh limited subprocess. Never raises for hostile code."""
    start = time.monotonic()
    cgroup = _PidsCgroup(limits.max_procs + 2) if os.geteuid() == 0 else None  # +2: unshare and the interpreter
    payload = json.dumps(
        {
            "code": code,
            "response": response,
            "entry_points": list(ENTRY_POINTS),
            "guards": limits.guards,
            "confine": _confinement(limits, cgroup),
        }
    ).encode("utf-8")
    workdir = tempfile.mkdtemp(prefix="lightif-sandbox-")
    os.chmod(workdir, 0o500)  # empty and read-only: nothing can be created in the cwd
    try:
        proc = subprocess.Popen(
            _pid_namespace_prefix() + [sys.executable, "-I", "-c", _RUNNER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            env={},
            start_new_session=True,
            close_fds=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _cleanup(workdir, cgroup)
        return SandboxResult("error", message=f"could not start sandbox: {exc}", seconds=time.monotonic() - start)
    try:
        out, timed_out = _exchange(proc, payload, start + limits.timeout_s)
        if not timed_out:
            try:
                proc.wait(timeout=max(0.05, start + limits.timeout_s - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
    finally:
        _kill_group(proc)
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        _cleanup(workdir, cgroup)
    seconds = time.monotonic() - start
    if timed_out:
        return SandboxResult("timeout", message=f"no result within {limits.timeout_s:g} s", seconds=seconds)
    try:
        reply = json.loads(out.decode("utf-8"))
        status, value, message = reply["status"], reply.get("value"), reply.get("message", "")
    except (ValueError, KeyError, TypeError):
        rc = proc.returncode
        why = f"killed by signal {-rc}" if rc < 0 else f"exited with code {rc} without a result"
        return SandboxResult("killed", message=why, seconds=seconds)
    if status == "ok" and isinstance(value, bool):
        return SandboxResult("ok", value=value, seconds=seconds)
    return SandboxResult("error", message=str(message), seconds=seconds)


def _cleanup(workdir: str, cgroup: _PidsCgroup | None) -> None:
    if cgroup is not None:
        cgroup.kill_all_and_remove()
    with contextlib.suppress(OSError):
        os.chmod(workdir, 0o700)
    shutil.rmtree(workdir, ignore_errors=True)


# ------------------------------------------------------------------------------------------------- the cache
_CACHE: OrderedDict[str, SandboxResult] = OrderedDict()
_CACHE_MAX = 4096
_CACHE_LOCK = threading.Lock()
stats = {"runs": 0, "cache_hits": 0, "ok": 0, "error": 0, "timeout": 0, "killed": 0}


def _key(code: str, response: str, limits: SandboxLimits) -> str:
    h = hashlib.sha256()
    for part in (code, response, repr(dataclasses.astuple(limits))):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))  # length-prefixed: ("ab","c") and ("a","bc") differ
        h.update(data)
    return h.hexdigest()


def check_code(
    code: str, response: str, *, timeout_s: float = 2.0, memory_mb: int = 256, cache: bool = True
) -> bool | None:
    """Run a dataset checker `check_response(response) -> bool` sandboxed. None = could not decide (count as fail).

    >>> check_code("def check_response(response):\\n    return response.count('!') == 0", "Calm.")
    True
    >>> check_code("def check_response(response):\\n    while True: pass", "x", timeout_s=0.5) is None
    True
    """
    limits = SandboxLimits(timeout_s=timeout_s, memory_mb=memory_mb)
    key = _key(code, response, limits) if cache else ""
    if cache:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
                stats["cache_hits"] += 1
                return hit.decided
    result = run_sandboxed(code, response, limits)
    with _CACHE_LOCK:
        stats["runs"] += 1
        stats[result.status] += 1
        # timeouts/kills depend on machine load, so only decided results and deterministic errors are remembered
        if cache and result.status in ("ok", "error"):
            _CACHE[key] = result
            if len(_CACHE) > _CACHE_MAX:
                _CACHE.popitem(last=False)
    if result.status != "ok":
        log.debug("check_code could not decide: %s (%s)", result.status, result.message)
    return result.decided


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
