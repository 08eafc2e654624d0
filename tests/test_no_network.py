"""No network at import time: every `lightif` module, `lightif --help` and `lightif version` make zero network calls.

Each check runs in a fresh interpreter whose socket layer is patched *before* lightif is imported: `connect`,
`connect_ex`, `create_connection`, `getaddrinfo`, `gethostbyname` record the attempt and fail, and an audit hook
records every `socket.connect` / `socket.getaddrinfo` / `socket.gethostbyname` event, so even C-level callers are
seen. The Hugging Face offline variables are removed from the child's environment, so a module that would reach the
hub unless told to stay offline is caught too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Optional extras that are not installed in the test venv: a module needing one may fail to import with exactly
# this ModuleNotFoundError (and nothing else); it still must not touch the network first.
OPTIONAL_DEPS = {"vllm"}

_PRELUDE = r"""
import json, os, socket, sys
ATTEMPTS = []

def _refuse(what):
    def f(*a, **k):
        ATTEMPTS.append(f"{what}{a[1:2] if what.endswith('connect') else a[:1]}")
        raise OSError(f"network disabled in test: {what}")
    return f

socket.socket.connect = _refuse("socket.connect")
socket.socket.connect_ex = _refuse("socket.connect_ex")
socket.create_connection = _refuse("create_connection")
socket.getaddrinfo = _refuse("getaddrinfo")
socket.gethostbyname = _refuse("gethostbyname")

def _hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
                 "http.client.connect", "urllib.Request"):
        ATTEMPTS.append(f"audit:{event}:{str(args[1:2] if event == 'socket.connect' else args[:1])[:80]}")
sys.addaudithook(_hook)

def _report(extra):
    sys.__stdout__.write("\n@@RESULT@@" + json.dumps({"attempts": ATTEMPTS, **extra}) + "\n")
    sys.__stdout__.flush()
"""

_IMPORT_ALL = r"""
import importlib, pkgutil, traceback
import lightif
sys.argv = ["lightif", "version"]  # lightif.__main__ runs the CLI when imported: make that a harmless run
names, failures = ["lightif"], {}
for info in pkgutil.walk_packages(lightif.__path__, "lightif."):
    names.append(info.name)
for name in names:
    try:
        importlib.import_module(name)
    except SystemExit as exc:
        if not (name == "lightif.__main__" and exc.code in (0, None)):
            failures[name] = f"SystemExit: {exc.code}"
    except BaseException as exc:
        failures[name] = f"{type(exc).__name__}: {exc}" + (f" [missing={exc.name}]" if isinstance(exc, ModuleNotFoundError) else "")
_report({"modules": names, "failures": failures})
"""


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE")}
    env["NO_PROXY"] = "*"
    return env


def _run(body: str, timeout: float = 300) -> tuple[dict, subprocess.CompletedProcess]:
    proc = subprocess.run(
        [sys.executable, "-c", _PRELUDE + body],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_child_env(),
    )
    marker = proc.stdout.rfind("@@RESULT@@")
    assert marker >= 0, f"child did not report (rc={proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout[marker + len("@@RESULT@@") :].splitlines()[0]), proc


def test_prelude_detects_a_network_attempt():
    """The detector itself works (otherwise the tests below could not fail)."""
    result, _ = _run(
        "import urllib.request\ntry:\n    urllib.request.urlopen('http://example.com', timeout=1)\n"
        "except Exception:\n    pass\n_report({})"
    )
    assert result["attempts"], "the patched socket layer did not see urlopen"


def test_importing_every_module_makes_no_network_call():
    result, _ = _run(_IMPORT_ALL)
    assert result["attempts"] == [], f"network attempted while importing: {result['attempts']}"
    unexpected = {
        name: why
        for name, why in result["failures"].items()
        if not any(f"[missing={dep}" in why for dep in OPTIONAL_DEPS)
    }
    assert unexpected == {}, f"modules failed to import: {unexpected}"
    # the walk really covered the package (not just lightif/__init__)
    assert len(result["modules"]) >= 15
    for expected in ("lightif.cli", "lightif.io", "lightif.sandbox", "lightif.constraints.base"):
        assert expected in result["modules"]


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["version"], ["score", "--help"], ["models", "list"]],
    ids=["help", "version", "score-help", "models-list"],
)
def test_cli_makes_no_network_call(argv):
    from lightif.cli import COMMANDS

    if argv[0] in COMMANDS and argv[0] != "version" and not _command_available(argv[0]):
        pytest.skip(f"`lightif {argv[0]}` not in this build")
    body = (
        "from lightif.cli import main\n"
        f"try:\n    rc = main({argv!r})\nexcept SystemExit as exc:\n    rc = exc.code\n"
        "_report({'rc': rc})"
    )
    result, proc = _run(body)
    assert result["attempts"] == [], f"lightif {' '.join(argv)} attempted network: {result['attempts']}"
    assert result["rc"] in (0, None), proc.stderr[-2000:]


def _command_available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"lightif.commands.{name}") is not None


def test_version_output():
    proc = subprocess.run(
        [sys.executable, "-m", "lightif", "version"], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and proc.stdout.strip()
