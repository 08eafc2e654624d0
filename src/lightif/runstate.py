"""Run directories and stage manifests: what lets a pipeline skip finished work and resume crashed work.

Each stage owns `RUN_DIR/<stage>/`. While it runs, `manifest.json` says `"status": "running"`; when it finishes, the
manifest is rewritten atomically with `"status": "done"`, the resolved stage config, package versions, sha256 of its
inputs and outputs, metrics and wall time. A stage is skipped on re-run only if it is done, its config is unchanged and
its recorded outputs still hash the same; otherwise it runs again, and its own resumable pieces (generation logs,
trainer checkpoints) pick up where the crash left them.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lightif.io import sha256_file, write_json


def _hash_path(path: Path) -> str:
    if path.is_file():
        return sha256_file(path)
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file() and "checkpoint-" not in str(p.relative_to(path)):
            h.update(str(p.relative_to(path)).encode())
            h.update(sha256_file(p).encode())
    return h.hexdigest()


def hash_paths(paths: dict[str, str | Path]) -> dict[str, str | None]:
    return {name: (_hash_path(Path(p)) if Path(p).exists() else None) for name, p in paths.items()}


def config_digest(cfg: Any) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True, default=str).encode()).hexdigest()[:16]


def package_versions() -> dict[str, str]:
    from lightif.commands.version import versions

    out = versions()
    out["python"] = platform.python_version()
    return out


@dataclass
class StageState:
    stage: str
    dir: Path
    manifest: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.dir / "manifest.json"

    @classmethod
    def load(cls, run_dir: Path, stage: str) -> "StageState":
        d = run_dir / stage
        m = {}
        if (d / "manifest.json").exists():
            try:
                m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                m = {"status": "corrupt"}
        return cls(stage, d, m)

    @property
    def status(self) -> str:
        return self.manifest.get("status", "pending")

    def is_done(self, cfg_digest: str) -> bool:
        if self.status != "done" or self.manifest.get("config_digest") != cfg_digest:
            return False
        outputs = self.manifest.get("outputs", {})
        recorded = self.manifest.get("output_hashes", {})
        return all(Path(p).exists() for p in outputs.values()) and hash_paths(outputs) == recorded

    def start(self, cfg: Any, cfg_digest: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        prev = self.manifest.get("attempts", 0)
        self.manifest = {"stage": self.stage, "status": "running", "config": cfg, "config_digest": cfg_digest,
                         "started": time.time(), "attempts": prev + 1, "pid": os.getpid()}
        write_json(self.path, self.manifest)

    def finish(self, *, inputs: dict, outputs: dict, metrics: dict, wall_s: float) -> None:
        self.manifest.update(
            status="done", finished=time.time(), wall_s=round(wall_s, 2), metrics=metrics,
            inputs={k: str(v) for k, v in inputs.items()}, input_hashes=hash_paths(inputs),
            outputs={k: str(v) for k, v in outputs.items()}, output_hashes=hash_paths(outputs),
            versions=package_versions(),
        )
        write_json(self.path, self.manifest)

    def fail(self, error: str) -> None:
        self.manifest.update(status="failed", error=error, finished=time.time())
        write_json(self.path, self.manifest)
