"""The environment files agree: the lock covers pyproject, environment.yml is generated from the
lock, torch is pinned the same everywhere, no GPU wheel and no package-index host anywhere."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
ENV_FILES = ("Makefile", "pyproject.toml", "environment.yml", "requirements-lock.txt")


def _pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            req = Requirement(line)
            (spec,) = req.specifier
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_environment_yml_is_generated_from_the_lock() -> None:
    out = subprocess.run([sys.executable, "tools/lock_to_conda.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_lock_covers_pyproject() -> None:
    project, locked = _pyproject(), _locked()
    extras = project["optional-dependencies"]
    for line in [*project["dependencies"], *extras["dev"], *extras["cpu"]]:
        req = Requirement(line)
        if req.name == "torch" or (req.marker and not req.marker.evaluate()):
            continue
        name = canonicalize_name(req.name)
        assert name in locked, f"{name} missing from requirements-lock.txt: run `make lock`"
        assert req.specifier.contains(locked[name]), f"{name}=={locked[name]} violates {req}: run `make lock`"


def test_no_gpu_wheels_and_torch_pinned_once() -> None:
    locked = _locked()
    assert "torch" not in locked  # installed on its own by the Makefile (CPU or CUDA build)
    assert not [n for n in locked if n.startswith("nvidia-") or n == "triton"]
    assert "xgboost-cpu" in locked and "xgboost" not in locked
    cpu = [Requirement(r) for r in _pyproject()["optional-dependencies"]["cpu"]]
    assert {r.name for r in cpu} == {"torch"}
    # Linux needs the local version +cpu (PyPI's Linux wheel is the CUDA build); one version everywhere
    linux = [r for r in cpu if r.marker is not None and r.marker.evaluate({"sys_platform": "linux"})]
    assert [str(r.specifier) for r in linux] == ["==2.13.0+cpu"]
    versions = {str(r.specifier).removeprefix("==").split("+")[0] for r in cpu}
    (version,) = versions
    assert re.search(rf"^TORCH \?= torch=={re.escape(version)}$", (ROOT / "Makefile").read_text(), re.M)
    assert f"'torch=={version}+cpu; sys_platform == \"linux\"'" in (ROOT / "environment.yml").read_text()


def test_no_package_index_host() -> None:
    for name in ENV_FILES:
        text = (ROOT / name).read_text()
        assert not re.search(r"[a-z]+://", text), f"{name} names a URL"


def test_license_is_spdx() -> None:
    project = _pyproject()
    assert project["license"] == "MIT" and all((ROOT / f).exists() for f in project["license-files"])
