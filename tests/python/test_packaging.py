"""`pip install .` gives a working prebuilt extension in a fresh environment.

The wheel is built from a copy of the tracked sources (no earlier build
output), the way a new user's clone would be, and installed into a new
virtual environment; JupyterLab then finds the extension there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pkg")
    src = work / "src"
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        target = src / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name.decode(), target)
    assert not (src / "tinker_doctor" / "labextension").exists()
    # The npm packages are the ones scripts/setup.sh installed (the registry
    # is not asked again); everything else is built from scratch.
    (src / "node_modules").symlink_to(ROOT / "node_modules")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
        "--no-build-isolation", "-w", str(work / "dist"), ".",
        cwd=src, env=env,
    )
    [built] = (work / "dist").glob("tinker_doctor-*.whl")
    return built


def test_wheel_installs_a_prebuilt_extension_jupyterlab_finds(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    run(str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
        "--no-deps", str(wheel), cwd=tmp_path)
    data = venv / "share" / "jupyter"
    ext = data / "labextensions" / "tinker-doctor"
    meta = json.loads((ext / "package.json").read_text())
    assert meta["name"] == "tinker-doctor"
    assert list((ext / "static").glob("remoteEntry.*.js"))
    schema = json.loads((ext / "schemas" / "tinker-doctor" / "plugin.json").read_text())
    assert schema["jupyter.lab.toolbars"]["Notebook"][0]["name"] == "diagnose-tinker"
    # The JupyterLab of the test environment, pointed at the fresh
    # environment's data folder only, lists it as enabled and OK.
    env = dict(os.environ, JUPYTER_PATH=str(data), JUPYTER_DATA_DIR=str(tmp_path / "none"))
    listing = run(
        str(Path(sys.executable).parent / "jupyter"), "labextension", "list",
        cwd=tmp_path, env=env,
    )
    lines = listing.splitlines()
    start = lines.index(str(ext.parent))
    block = []
    for line in lines[start + 1 :]:
        if not line[:1].isspace():
            break
        block.append(line)
    entry = [line for line in block if "tinker-doctor" in line]
    assert entry and "enabled" in entry[0] and "OK" in entry[0], listing
