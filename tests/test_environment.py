"""The setup files agree with each other: conda/Binder users get what pip users get."""
from __future__ import annotations

import os
import re
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def pip_requirements() -> set[str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {str(Requirement(line)) for line in lines if line.strip() and not line.startswith("#")}


def conda_pip_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {str(Requirement(line)) for line in pip_section if not line.startswith("-e")}


def test_environment_yml_lists_the_same_packages_and_versions():
    assert conda_pip_requirements() == pip_requirements()


def supported_pythons() -> list[str]:
    """The versions scripts/bootstrap.sh accepts (its SUPPORTED line)."""
    text = (ROOT / "scripts" / "bootstrap.sh").read_text()
    return re.search(r'^SUPPORTED="([^"]+)"$', text, re.M).group(1).split()


def test_python_versions_agree_across_bootstrap_pyproject_readme_and_environment_yml():
    versions = supported_pythons()
    assert versions == ["3.11", "3.12", "3.13"]  # TensorFlow 2.21's wheels (issue 17)
    with open(ROOT / "pyproject.toml", "rb") as f:
        spec = SpecifierSet(tomllib.load(f)["project"]["requires-python"])
    for minor in range(6, 20):
        assert (f"3.{minor}" in versions) == spec.contains(f"3.{minor}.0"), f"3.{minor}: {spec}"
    assert "Python 3.11, 3.12 or 3.13" in (ROOT / "README.md").read_text()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python=")]
    assert pythons == ["python=3.11"] and pythons[0][7:] in versions  # one version for conda/Binder


def test_environment_yml_installs_the_course():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip_section


def test_every_requirement_is_pinned_and_locked():
    constraints = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            constraints[re.sub(r"[-_.]+", "-", name).lower()] = version
    for text in pip_requirements():
        req = Requirement(text)
        pins = [s for s in req.specifier if s.operator == "=="]
        assert len(pins) == 1, f"{req.name} is not pinned with =="
        key = re.sub(r"[-_.]+", "-", req.name).lower()
        if req.marker is None or req.marker.evaluate():
            assert constraints.get(key) == pins[0].version, f"{req.name}: constraints.txt disagrees"


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^```(?:bash|sh)?\n(.*?)\n```", readme, re.M | re.S)
    assert commands[0].strip().splitlines() == ["make lab", "make test"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert ci[-1] == "make test"


def test_bootstrap_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(ROOT / "scripts" / "bootstrap.sh")], check=True)


def fake_pythons(tmp_path, versions: dict[str, str]) -> Path:
    """A bin folder of fake interpreters (each prints its version), plus the tools bootstrap needs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, version in versions.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\necho {version}\n" if version else "#!/bin/sh\nexit 127\n")
        path.chmod(0o755)
    for tool in ("dirname",):
        (bin_dir / tool).symlink_to(subprocess.run(["bash", "-c", f"command -v {tool}"],
                                                   capture_output=True, text=True).stdout.strip())
    return bin_dir


def which_python(bin_dir: Path, python: str | None = None):
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/")}
    if python:
        env["PYTHON"] = python
    start = time.perf_counter()
    result = subprocess.run(["/bin/bash", str(ROOT / "scripts" / "bootstrap.sh"), "--which-python"],
                            capture_output=True, text=True, env=env)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("found, chosen", [
    ({"python3.11": "3.11", "python3.12": "3.12", "python3.13": "3.13"}, "python3.13"),  # the newest
    ({"python3": "3.12", "python3.11": "3.11"}, "python3"),
    ({"python3.13": "", "python3.12": "", "python3.11": "3.11"}, "python3.11"),  # inactive pyenv shims
    ({"python3": "3.14", "python": "3.11"}, "python"),
])
def test_bootstrap_picks_the_newest_supported_python(tmp_path, found, chosen):
    result, _ = which_python(fake_pythons(tmp_path, found))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == chosen


def test_bootstrap_uses_python_when_set_even_if_a_newer_one_is_found(tmp_path):
    bin_dir = fake_pythons(tmp_path, {"python3.13": "3.13", "python3.12": "3.12"})
    result, _ = which_python(bin_dir, "python3.12")
    assert result.returncode == 0 and result.stdout.strip() == "python3.12"


@pytest.mark.parametrize("found, python, named", [
    ({"python3": "3.14", "python3.10": "3.10"}, None, "found: python3 (3.14)"),
    ({"python3.13": "3.13", "python3.10": "3.10"}, "python3.10", "PYTHON=python3.10 is Python 3.10"),
    ({"python3.13": "3.13", "python3.14": "3.14"}, "python3.14", "PYTHON=python3.14 is Python 3.14"),
    ({"python3.13": "3.13"}, "python9", "PYTHON=python9: no such command"),
    ({}, None, "found: none"),
])
def test_bootstrap_refuses_other_pythons_at_once_saying_which_work_why_and_how(tmp_path, found, python,
                                                                                 named):
    result, seconds = which_python(fake_pythons(tmp_path, found), python)
    assert result.returncode == 1 and not result.stdout
    assert seconds < 5
    message = result.stderr
    assert named in message
    assert "Python 3.11, 3.12 or 3.13" in message and "TensorFlow 2.21" in message and "wheels" in message
    assert "python.org" in message and "pyenv install" in message and "PYTHON=/path/to/" in message


def test_warning_filters_hide_only_named_third_party_modules():
    """Every warning from course_lib shows (deprecations fail); an ignore names one other module."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        filters = tomllib.load(f)["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert filters[-1] == "error::DeprecationWarning:course_lib.*"  # last: it wins over the others
    for entry in filters[:-1]:
        action, message, category, module = (entry.split(":") + [""] * 4)[:4]
        assert action == "ignore" and not message and category, entry
        assert module and not re.match(module, "course_lib") and not re.match(module, "course_lib.x"), entry
        assert not re.match(module, "tests") and not re.match(module, "__main__"), entry


def test_binder_postbuild_installs_the_offline_jupyter_settings():
    # Binder builds from environment.yml and then runs postBuild: without it, a Binder or conda
    # JupyterLab would check for updates and fetch news (tests/test_jupyter_offline.py).
    post = ROOT / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK)
    lines = [ln for ln in post.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert "python scripts/install_jupyter_config.py" in lines
    assert (ROOT / "scripts" / "install_jupyter_config.py").is_file()
