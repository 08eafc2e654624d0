"""lightif.io: strict JSONL reading (file:line errors), atomic writes, torn-tail repair, crash-safe appends.

The crash tests kill a real writer process with SIGKILL (no atexit, no flush) and check that reopening keeps every
complete record exactly once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lightif.errors import DataError
from lightif.io import (
    JsonlAppender,
    atomic_write,
    read_jsonl,
    read_jsonl_tolerant,
    repair_torn_tail,
    require,
    sha256_file,
    write_json,
    write_jsonl,
    write_text,
)


def lines_of(path: Path) -> list[dict]:
    return [rec for _, rec in read_jsonl(path)]


# ------------------------------------------------------------------------------------------- read_jsonl
def test_read_jsonl_yields_line_numbers_and_skips_blank_lines(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1}\n\n   \n{"a": 2}\n', encoding="utf-8")
    assert list(read_jsonl(p)) == [(1, {"a": 1}), (4, {"a": 2})]


@pytest.mark.parametrize(
    "content, line, needle",
    [
        (b'{"a": 1}\n{"a": 2\n', 2, "invalid JSON"),
        (b'{"a": 1}\n[1, 2]\n', 2, "expected a JSON object, got list"),
        (b'{"a": 1}\n"text"\n', 2, "expected a JSON object, got str"),
        (b'{"a": 1}\n{"a": "caf\xe9"}\n', 2, "not valid UTF-8"),  # latin-1 bytes
        ('{"a": 1}\n'.encode("utf-16"), 1, "not valid UTF-8"),  # UTF-16 with BOM
        (b"\xef\xbb\xbf" + b'{"a": 1}\n', 1, "invalid JSON"),  # UTF-8 BOM is not JSON
        (b'{"a": 1}\n{"a": NaN, }\n', 2, "invalid JSON"),
        (b"{'a': 1}\n", 1, "invalid JSON"),  # Python repr, not JSON
    ],
)
def test_read_jsonl_errors_name_file_and_line(tmp_path, content, line, needle):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(content)
    with pytest.raises(DataError) as err:
        list(read_jsonl(p))
    assert err.value.path == str(p) and err.value.line == line
    assert str(err.value).startswith(f"{p}:{line}: ") and needle in str(err.value)
    assert "\n" not in str(err.value)  # one line for the CLI


def test_read_jsonl_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        list(read_jsonl(tmp_path / "nope.jsonl"))
    with pytest.raises(DataError, match="is a directory"):
        list(read_jsonl(tmp_path))


def test_read_jsonl_is_lazy_up_to_the_bad_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1}\n{"a": 2}\nnot json\n', encoding="utf-8")
    it = read_jsonl(p)
    assert next(it) == (1, {"a": 1}) and next(it) == (2, {"a": 2})
    with pytest.raises(DataError):
        next(it)


def test_duplicate_keys_keep_the_last_value(tmp_path):
    """JSON allows duplicate keys; Python's json keeps the last. Documented, not an error."""
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1, "a": 2}\n', encoding="utf-8")
    assert lines_of(p) == [{"a": 2}]


# ------------------------------------------------------------------------------------------- require
def test_require():
    rec = {"s": "x", "n": 3, "b": True, "l": [1]}
    assert require(rec, "s", str, path="f", line=7) == "x"
    assert require(rec, "n", (int, float), path="f", line=7) == 3
    with pytest.raises(DataError, match=r"^f:7: field 'missing': missing required field$"):
        require(rec, "missing", str, path="f", line=7)
    with pytest.raises(DataError, match=r"^f:7: field 'l': expected str, got list$"):
        require(rec, "l", str, path="f", line=7)
    with pytest.raises(DataError, match="expected int, got bool"):  # bool is an int subclass: rejected
        require(rec, "b", int, path="f", line=7)


# ------------------------------------------------------------------------------------------- atomic writes
def test_atomic_write_leaves_no_file_on_exception(tmp_path):
    p = tmp_path / "sub" / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_write(p) as fh:
        fh.write("partial\n")
        raise RuntimeError("boom")
    assert not p.exists()
    assert list(p.parent.iterdir()) == []  # no temp file left either


def test_atomic_write_keeps_old_content_on_exception(tmp_path):
    p = tmp_path / "out.json"
    write_json(p, {"v": 1})
    with pytest.raises(KeyboardInterrupt), atomic_write(p) as fh:
        fh.write("{garbage")
        raise KeyboardInterrupt
    assert json.loads(p.read_text()) == {"v": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["out.json"]


def test_write_jsonl_generator_failure_leaves_nothing(tmp_path):
    def records():
        yield {"a": 1}
        raise ValueError("source broke")

    p = tmp_path / "out.jsonl"
    with pytest.raises(ValueError):
        write_jsonl(p, records())
    assert not p.exists()


def test_writers_round_trip_unicode(tmp_path):
    recs = [{"t": "中文 é 😀", "n": i} for i in range(3)]
    assert write_jsonl(tmp_path / "a.jsonl", recs) == 3
    assert lines_of(tmp_path / "a.jsonl") == recs
    assert "中文" in (tmp_path / "a.jsonl").read_text(encoding="utf-8")  # not \\u-escaped
    write_text(tmp_path / "t.txt", "x\ny")
    assert (tmp_path / "t.txt").read_text() == "x\ny"
    assert sha256_file(tmp_path / "t.txt") == hashlib.sha256(b"x\ny").hexdigest()


def test_atomic_write_is_all_or_nothing_under_kill(tmp_path):
    """A writer killed inside atomic_write never leaves a half file under the final name."""
    target = tmp_path / "big.jsonl"
    script = (
        "import sys, time\nfrom lightif.io import atomic_write\n"
        "with atomic_write(sys.argv[1]) as fh:\n"
        "    for i in range(10**9):\n"
        "        fh.write('x' * 1000 + '\\n')\n"
        "        if i == 1000: print('ready', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not target.exists()


# ------------------------------------------------------------------------------------------- torn tails
@pytest.mark.parametrize(
    "content, kept",
    [
        (b'{"a": 1}\n{"a": 2}\n', b'{"a": 1}\n{"a": 2}\n'),  # clean: untouched
        (b'{"a": 1}\n{"a": ', b'{"a": 1}\n'),  # no final newline
        (b'{"a": 1}\n{"a": 2', b'{"a": 1}\n'),  # complete-looking JSON but no newline: still torn
        (b'{"a": 1}\n{"a": \n', b'{"a": 1}\n'),  # newline but unparsable last line
        (b'{"a": 1}\n{"t": "\xe4\xb8', b'{"a": 1}\n'),  # cut inside a UTF-8 sequence
        (b'{"a": ', b""),  # only a torn line
        (b"", b""),
    ],
)
def test_repair_torn_tail(tmp_path, content, kept):
    p = tmp_path / "log.jsonl"
    p.write_bytes(content)
    assert repair_torn_tail(p) == len(content) - len(kept)
    assert p.read_bytes() == kept


def test_repair_missing_file_is_a_no_op(tmp_path):
    assert repair_torn_tail(tmp_path / "none.jsonl") == 0
    assert read_jsonl_tolerant(tmp_path / "none.jsonl") == []


def test_appender_reopens_after_torn_tail_without_duplicates(tmp_path):
    p = tmp_path / "log.jsonl"
    with JsonlAppender(p) as log:
        for i in range(3):
            log.write({"i": i})
    with open(p, "ab") as fh:
        fh.write(b'{"i": 3, "pad": "xx')  # a record cut mid-write
    assert [r["i"] for r in read_jsonl_tolerant(p)] == [0, 1, 2]
    with JsonlAppender(p) as log:
        log.write({"i": 3})
    assert [r["i"] for r in lines_of(p)] == [0, 1, 2, 3]


_WRITER = """
import sys
from lightif.io import JsonlAppender, read_jsonl_tolerant
path, pad = sys.argv[1], int(sys.argv[2])
done = len(read_jsonl_tolerant(path))        # resume: skip what is already on disk
with JsonlAppender(path, fsync=False) as log:
    i = done
    while True:
        log.write({"i": i, "pad": "y" * pad})
        if i == done + 20:
            print("ready", flush=True)
        i += 1
"""


def _kill_writer_after_start(path: Path, pad: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(pad)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.02 * (1 + path.stat().st_size % 3))  # land the kill at varying points
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_kill_9_during_appends_loses_and_duplicates_nothing(tmp_path):
    """Kill a real writer with SIGKILL several times; each restart resumes. Records stay 0..n-1, each once."""
    p = tmp_path / "log.jsonl"
    for round_ in range(4):
        # big records span several write() calls, so a kill can land inside one
        _kill_writer_after_start(p, pad=200_000 if round_ % 2 else 50)
        ids = [r["i"] for r in read_jsonl_tolerant(p)]
        assert ids == list(range(len(ids))), f"round {round_}: gap or duplicate"
        assert p.read_bytes().endswith(b"\n")  # tolerant read repaired the tail
    assert len(ids) > 4 * 20
