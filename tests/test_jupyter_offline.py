"""`make lab` stays offline after setup: no update check, no news, no PyPI listing (issue 9, §6).

The course installs jupyter-config/ into .venv (scripts/install_jupyter_config.py, run by
scripts/bootstrap.sh). These tests read the settings the way JupyterLab resolves them (the
server's config loader; jupyterlab_server's settings overrides and schemas), then start the real
server once and check that serving the page and the news/update/extension APIs makes it look up
no host other than this machine. A learner's own ~/.jupyter is kept out (JUPYTER_CONFIG_DIR is a
temporary folder), so the tests judge what the course installs. Offline, no browser, a few seconds.
"""
from __future__ import annotations

import filecmp
import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "jupyter-config"
GUARD = ROOT / "scripts" / "lab_net_guard.py"
REINSTALL = "run scripts/bootstrap.sh (or .venv/bin/python scripts/install_jupyter_config.py)"

# What must be off, as the front end reads it: (plugin id, setting, value that means "off").
LAB_SETTINGS_OFF = [
    ("@jupyterlab/apputils-extension:notification", "checkForUpdates", False),
    ("@jupyterlab/apputils-extension:notification", "fetchNews", "false"),  # a string: "Never"
    ("@jupyterlab/extensionmanager-extension:plugin", "enabled", False),
]


@pytest.fixture()
def no_user_config(tmp_path, monkeypatch):
    """Hide the learner's own ~/.jupyter and ~/.local/share/jupyter from JupyterLab."""
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.delenv("JUPYTERLAB_DIR", raising=False)
    monkeypatch.delenv("JUPYTERLAB_SETTINGS_DIR", raising=False)
    return tmp_path


@pytest.fixture()
def lab_app(no_user_config):
    """A LabApp configured exactly as `jupyter lab` configures it (server config, then its own)."""
    from jupyter_server.serverapp import ServerApp
    from jupyterlab.labapp import LabApp

    server = ServerApp()
    server.load_config_file()
    lab = LabApp()
    lab.serverapp = server  # the extension looks for config files on the server's path
    lab.load_config_file()
    lab.update_config(server.config)  # what ExtensionApp._link_jupyter_server_extension does
    return lab


def test_the_course_config_is_installed_in_this_environment():
    assert sys.prefix != sys.base_prefix, "run the tests with the course's .venv/bin/python"
    files = [p.relative_to(SOURCE) for tree in ("etc", "share") for p in (SOURCE / tree).rglob("*")
             if p.is_file()]
    assert files, f"nothing to install under {SOURCE}"
    for rel in files:
        installed = Path(sys.prefix) / rel
        assert installed.is_file(), f"{installed} is missing: {REINSTALL}"
        assert filecmp.cmp(SOURCE / rel, installed, shallow=False), f"{installed} is outdated: {REINSTALL}"


def test_the_installer_copies_each_file_once_and_leaves_identical_files_alone(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import install_jupyter_config as installer
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    first = installer.install(tmp_path)
    assert sorted(p.relative_to(tmp_path) for p in first) == installer.config_files()
    assert installer.install(tmp_path) == []  # idempotent
    target = tmp_path / "etc" / "jupyter" / "jupyter_lab_config.json"
    target.write_text("{}")  # an edited copy is put back
    assert installer.install(tmp_path) == [target]
    assert json.loads(target.read_text())["LabApp"]["news_url"] is None


def test_the_server_config_turns_off_update_check_news_and_pypi(lab_app):
    from jupyterlab.handlers.announcements import NeverCheckForUpdate

    assert str(Path(sys.prefix) / "etc" / "jupyter" / "jupyter_lab_config.json") in lab_app.loaded_config_files
    assert lab_app.check_for_updates_class is NeverCheckForUpdate
    assert lab_app.news_url is None
    assert lab_app.extension_manager == "readonly"


def test_the_lab_settings_turn_off_news_update_toast_and_extension_manager(lab_app, tmp_path):
    """The defaults the front end gets: schema defaults with the overrides applied."""
    from jupyterlab_server.settings_utils import get_settings

    user_settings = tmp_path / "user-settings"  # empty: only schemas and overrides count
    for plugin, key, off in LAB_SETTINGS_OFF:
        result, warnings = get_settings(lab_app.app_settings_dir, lab_app.schemas_dir, str(user_settings),
                                        schema_name=plugin)
        assert not any(warnings), warnings
        schema = result["schema"]
        assert key in schema["properties"], f"{plugin} has no setting {key!r} in JupyterLab's schema"
        assert schema["properties"][key]["default"] == off, (plugin, key, schema["properties"][key])
        # Every override is a valid value of its schema (a typo or a wrong type is an error in Lab).
        defaults = {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
        jsonschema.validate(defaults, schema)
        assert result["settings"] == {}  # nothing from a user file


def test_the_overrides_file_names_only_existing_settings():
    overrides = json.loads((SOURCE / "share/jupyter/lab/settings/overrides.d/course-offline.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        assert set(values) <= set(schema["properties"]), (plugin, set(values) - set(schema["properties"]))
    assert {(p, k) for p, k, _ in LAB_SETTINGS_OFF} == {(p, k) for p, v in overrides.items() for k in v}


def test_the_net_guard_records_a_lookup_of_an_outside_host(tmp_path):
    """The guard used below can fail: a look-up of pypi.org is recorded, even with no network."""
    log = tmp_path / "net.log"
    code = ("import socket, sys; sys.path.insert(0, sys.argv[1]); import lab_net_guard as g; g.install()\n"
            "for host in ('127.0.0.1', 'localhost', 'pypi.org'):\n"
            "    try: socket.getaddrinfo(host, 443)\n"
            "    except OSError: pass\n"
            "s = socket.socket(); s.settimeout(0.01)\n"
            "try: s.connect(('192.0.2.1', 443))\n"
            "except OSError: pass\n")
    subprocess.run([sys.executable, "-c", code, str(GUARD.parent)], check=True, timeout=60,
                   env=dict(os.environ, COURSE_NET_LOG=str(log)))
    assert log.read_text().splitlines() == ["lookup pypi.org 443", "connect 192.0.2.1 443"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_serving_the_page_and_its_apis_reaches_no_outside_host(no_user_config):
    tmp = no_user_config
    log, port, token = tmp / "net.log", _free_port(), secrets.token_hex(16)
    (tmp / "root").mkdir()
    lab = subprocess.Popen(
        [sys.executable, str(GUARD), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp / 'root'}",
         f"--LabApp.user_settings_dir={tmp / 'user-settings'}", f"--LabApp.workspaces_dir={tmp / 'ws'}"],
        env=dict(os.environ, COURSE_NET_LOG=str(log)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> str:
        sep = "&" if "?" in path else "?"
        with urllib.request.urlopen(f"{base}{path}{sep}token={token}", timeout=60) as response:
            return response.read().decode()

    try:
        deadline = time.monotonic() + 120  # 2 shared cores: a slow start is not a failure
        while True:
            try:
                get("/api/status")
                break
            except OSError:
                assert lab.poll() is None, f"JupyterLab exited: {lab.stderr.read()[-2000:]}"
                assert time.monotonic() < deadline, "JupyterLab did not start within 120 s"
                time.sleep(0.2)
        page = get("/lab")
        config = json.loads(html.unescape(
            re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S).group(1)))
        assert config["news"] == {"disabled": True}
        assert config["extensionManager"]["name"] == "read-only"
        assert json.loads(get("/lab/api/update")) == {"notification": None}
        assert json.loads(get("/lab/api/news")) == {"news": []}
        get("/lab/api/extensions?query=&page=1&per_page=30&refresh=1")
        notification = json.loads(get("/lab/api/settings/@jupyterlab/apputils-extension:notification"))
        props = notification["schema"]["properties"]
        assert (props["fetchNews"]["default"], props["checkForUpdates"]["default"]) == ("false", False)
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
    outside = log.read_text().splitlines() if log.exists() else []
    assert outside == [], f"JupyterLab's server reached outside this machine: {outside}"
