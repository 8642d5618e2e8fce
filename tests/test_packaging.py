"""Installing openidv prints no warning of ours (issue 19: ``make run`` showed setuptools'
deprecation of the licence table three times).

The package is built as pip builds it at install: in a fresh environment holding only what
pyproject.toml's ``[build-system]`` requires (from the package index, as pip's build isolation
fetches it), its metadata and its wheel, recording every SetuptoolsDeprecationWarning. The same
build with the old licence table must warn: the check sees what it looks for."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = """
import json, sys, warnings
from setuptools import build_meta
from setuptools.warnings import SetuptoolsDeprecationWarning
out = sys.argv[1]  # read first: the backend sets sys.argv for its setup() run
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    build_meta.prepare_metadata_for_build_wheel(out)
    build_meta.build_wheel(out)
found = [str(w.message).strip().splitlines()[0] for w in caught
         if issubclass(w.category, SetuptoolsDeprecationWarning)]
print("\\nWARNINGS " + json.dumps(found))
"""


def _project_copy(folder: Path, pyproject: str) -> Path:
    tree = folder / "project"
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    shutil.copy(ROOT / "README.md", tree / "README.md")
    (tree / "pyproject.toml").write_text(pyproject)
    return tree


def _deprecations(python: Path, tree: Path) -> list[str]:
    out = tree / "dist"
    out.mkdir()
    built = subprocess.run(
        [str(python), "-c", BUILD, str(out)], cwd=tree, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    assert list(out.glob("openidv-*.whl")), built.stdout[-3000:]
    found: list[str] = json.loads(built.stdout.rsplit("WARNINGS ", 1)[1])
    return found


@pytest.mark.slow
def test_building_the_package_warns_of_nothing(tmp_path: Path) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    config = tomllib.loads(pyproject)
    assert isinstance(config["project"]["license"], str)  # SPDX (PEP 639), not the table
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    requires = config["build-system"]["requires"]
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *requires],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # `make install` needs the same registry, so an unreachable one is a failure, not a skip.
    assert installed.returncode == 0, f"cannot install {requires}: {installed.stderr}"
    assert _deprecations(python, _project_copy(tmp_path / "now", pyproject)) == []
    table = pyproject.replace('license = "Apache-2.0"', 'license = {text = "Apache-2.0"}')
    assert table != pyproject
    warned = _deprecations(python, _project_copy(tmp_path / "table", table))
    assert any("license" in message.lower() for message in warned), warned
