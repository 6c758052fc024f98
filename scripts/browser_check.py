"""End-to-end check in a real browser: JupyterLab runs a notebook and its widget redraws live.

    make browser-check                      # notebooks 00 and 02 (needs Chromium, see below)
    .venv/bin/python scripts/browser_check.py notebooks/06-regularization.ipynb

What nbval cannot see: that the widgets render in JupyterLab's front end and that moving a
slider replaces the figure in place. For each notebook this script copies it to a temporary
folder, starts JupyterLab there (loopback only, random token, no network needed), opens the
notebook in headless Chromium, runs all cells through the menu, then focuses the first slider,
presses the arrow key a few times and checks that the figure's image changed and that the
notebook shows no error. Screenshots go to benchmarks/results/browser-<notebook>.png.

Needs Debian's Chromium (`apt-get install chromium`, /usr/bin/chromium, or set CHROMIUM=...)
and the Python package in requirements-browser.txt (`make browser-check` installs it).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root",
           # A fresh workspace and settings, so no tab of an earlier session hides this notebook.
           f"--LabApp.workspaces_dir={folder.parent / 'workspaces'}",
           f"--LabApp.user_settings_dir={folder.parent / 'settings'}"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0", JUPYTER_PREFER_ENV_PATH="1")
    lab = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
            return lab
        except OSError:
            time.sleep(0.5)
    lab.terminate()
    raise RuntimeError("JupyterLab did not start within 60 s")


def run_all(page: Page) -> None:
    """Run → Run All Cells, then wait until every code cell shows an execution count."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
        " return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent))"
        " || document.querySelector(\"[data-mime-type='application/vnd.jupyter.error']\") !== null; }",
        timeout=300_000)
    wait_idle(page)


def wait_idle(page: Page, timeout: int = 60_000) -> None:
    """Until the notebook's execution indicator says the kernel is idle."""
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)


def figure_after_slider(page: Page) -> tuple[str, str]:
    """The widget's figure (the first image output after the first slider) before and after moving it."""
    slider = page.locator(".widget-slider .noUi-handle").first
    slider.scroll_into_view_if_needed()
    output = slider.locator("xpath=ancestor::div[contains(@class,'jp-Cell')][1]")
    image = output.locator(".jp-OutputArea-output img").first
    before = image.get_attribute("src") or ""
    for key in ("ArrowLeft", "ArrowRight"):  # a slider at its minimum or maximum moves only one way
        slider.focus()
        for _ in range(3):
            page.keyboard.press(key)
            page.wait_for_timeout(300)
        try:
            page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                                   arg=[image.element_handle(), before], timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    return before, image.get_attribute("src") or ""


def check(notebook: Path, out_dir: Path) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "notebooks"
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        port, token = free_port(), secrets.token_hex(16)
        lab = start_lab(folder, port, token)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=60_000)
                wait_idle(page)
                try:
                    run_all(page)
                except Exception:
                    page.screenshot(path=str(out_dir / f"browser-{notebook.stem}-failed.png"), full_page=True)
                    raise
                errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                error = page.locator("[data-mime-type='application/vnd.jupyter.error']")
                if error.count():
                    problems.append(f"{notebook.name}: a cell raised an error in JupyterLab: "
                                    f"{error.first.inner_text()[:500]}")
                    browser.close()
                    return problems
                try:
                    before, after = figure_after_slider(page)
                except Exception:
                    page.screenshot(path=str(out_dir / f"browser-{notebook.stem}-failed.png"))
                    raise
                if not after.startswith("data:image/png") or after == before:
                    problems.append(f"{notebook.name}: moving the slider did not redraw the figure")
                page.locator(".widget-slider").first.scroll_into_view_if_needed()
                out_dir.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out_dir / f"browser-{notebook.stem}.png"))
                print(f"{notebook.name}: ran all cells, {errors.count()} stderr outputs, "
                      f"slider redrew the figure: {after != before}")
                browser.close()
        finally:
            lab.terminate()
            lab.wait(timeout=30)
    return problems


def main(argv: list[str]) -> int:
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM=...")
        return 2
    notebooks = [Path(a).resolve() for a in argv] or [ROOT / "notebooks" / "00-course-overview.ipynb",
                                                       ROOT / "notebooks" / "02-learning-rate-schedules.ipynb"]
    problems = [p for nb in notebooks for p in check(nb, ROOT / "benchmarks" / "results")]
    for p in problems:
        print("FAILED:", p)
    print(f"{len(notebooks) - len({p.split(':')[0] for p in problems})} passed, "
          f"{len({p.split(':')[0] for p in problems})} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
