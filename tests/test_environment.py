"""The setup files agree with each other: conda/Binder users get what pip users get."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from packaging.requirements import Requirement

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


def test_environment_yml_uses_python_311_and_installs_the_course():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
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
