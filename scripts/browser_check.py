"""End-to-end check in a real browser: JupyterLab runs a notebook and every control of its widget redraws.

    make browser-check                                      # the default notebooks (see DEFAULT)
    make browser-check NOTEBOOKS="notebooks/06-*.ipynb"     # choose
    .venv/bin/python scripts/browser_check.py notebooks/06-regularization.ipynb

What nbval cannot see: that the notebook runs in JupyterLab's front end, that the widgets render
there, and that moving each control replaces the figure in place. For each notebook this script
1. copies the notebooks folder to a temporary one and clears the notebook's stored outputs and
   execution counts (so `[1]`...`[n]` on screen can only come from this run);
2. starts JupyterLab there (loopback only, random token, fresh settings and workspace, the course's
   installed Jupyter configuration) through scripts/lab_net_guard.py, which records any host the
   server tries to reach other than this machine;
3. opens the notebook in headless Chromium, with every request not addressed to 127.0.0.1 blocked
   and recorded, and every browser console error and page error recorded;
4. waits for the notebook's kernel to have started (the server's /api/sessions shows it idle, and
   the front end is connected to it and idle), then runs Run > Run All Cells from the menu and
   waits until every code cell shows a fresh execution count: exactly [1], [2], ... [n] in order;
5. for every widget control in the notebook's outputs (slider, dropdown, checkbox, button),
   moves it and checks that the figure of its widget changed; a control that is disabled is
   checked after choosing another option of a dropdown of the same widget (that is how a schedule
   menu enables its parameters); each wait is on a condition (the kernel handled the change and
   went idle, then the image changed), never a fixed sleep;
6. fails on: a cell error, a missing or stale execution count, a "Select Kernel" dialog, a
   notification toast (the news pop-up), a console error, a request or server look-up leaving
   the machine, or a control whose figure does not change. Screenshots of each widget go to
   benchmarks/results/browser-<notebook>.png (and browser-<notebook>-failed.png on failure).

Needs Debian's Chromium (`apt-get install chromium`, /usr/bin/chromium, or set CHROMIUM=...)
and the Python package in requirements-browser.txt (`make browser-check` installs it).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "scripts" / "lab_net_guard.py"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The default set: the first widget notebook and the one whose dropdown enables and disables
# other controls. Every widget notebook passes too (see the log of runs in the closing note).
DEFAULT = ["00-course-overview.ipynb", "02-learning-rate-schedules.ipynb"]
# Generous: the machine may be shared, and a notebook that trains models takes minutes.
START_TIMEOUT = 180          # s, for JupyterLab to answer and for the kernel to start
RUN_ALL_TIMEOUT = 900        # s, for Run All Cells to finish
KERNEL_TIMEOUT = 120         # s, for the kernel to handle one control change
SHOW_TIMEOUT = 10_000        # ms, for a figure the kernel has sent to appear on the page
SLIDER_STEPS = 3             # arrow-key presses each way before a slider jumps to its end
MAX_OPTIONS = 8              # dropdown options tried before a dropdown counts as inert

# http(s) URLs not addressed to 127.0.0.1 (data: and blob: URLs never reach the network).
LEAVES_LOOPBACK = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])[a-z]+://")
CONTROLS_JS = """cell => [...cell.querySelectorAll(
    '.jp-OutputArea .widget-slider, .jp-OutputArea .widget-dropdown, .jp-OutputArea .widget-checkbox,'
    + ' .jp-OutputArea .widget-button, .jp-OutputArea .widget-toggle-buttons')].length"""
FIGURE_JS = """cell => [...cell.querySelectorAll('.jp-OutputArea img')].map(i => i.src).join('|')"""
VALUE_JS = """c => { const r = c.querySelector('.widget-readout'); if (r) return r.textContent;
                     const s = c.querySelector('select'); if (s) return s.value;
                     const b = c.querySelector('input[type=checkbox]'); if (b) return String(b.checked);
                     const t = c.querySelector('.mod-active'); return t ? t.textContent : ''; }"""


class Failure(Exception):
    """A check that failed; the message says what the reader would see."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clear_outputs(notebook: Path) -> int:
    """Remove outputs and execution counts in place; return the number of non-empty code cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    n = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            n += bool("".join(cell["source"]).strip())
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return n


class Lab:
    """A JupyterLab server on loopback, started through the network guard."""

    def __init__(self, folder: Path, scratch: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.net_log = scratch / "server-net.log"
        self.log = open(scratch / "lab.log", "w")
        cmd = [sys.executable, str(GUARD), "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={folder}", "--allow-root",
               # A fresh workspace and settings, so no tab of an earlier session hides this notebook;
               # the course's overrides (no news, no update check) live elsewhere and still apply.
               f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
               f"--LabApp.user_settings_dir={scratch / 'settings'}",
               "--LabApp.expose_app_in_browser=True"]  # lets the script read the kernel's state
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0",
                   JUPYTER_PREFER_ENV_PATH="1", COURSE_NET_LOG=str(self.net_log))
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.api("/api/status")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise Failure(f"JupyterLab did not start within {START_TIMEOUT} s "
                                  f"(see {scratch / 'lab.log'})") from None
                time.sleep(0.2)

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}{path}{sep}token={self.token}"

    def api(self, path: str):
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return json.loads(response.read())

    def outside_lookups(self) -> list[str]:
        return self.net_log.read_text().splitlines() if self.net_log.exists() else []

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def poll(condition, timeout: float, what: str, interval: float = 0.2):
    """Call condition() until it returns something true; raise Failure after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_kernel(page: Page, lab: Lab, name: str) -> dict:
    """Until the notebook's kernel has started (server side) and the page is connected to it, idle."""
    def session():
        for s in lab.api("/api/sessions"):
            if s["path"] == name and s["kernel"] and s["kernel"]["execution_state"] == "idle":
                return s
        return None
    s = poll(session, START_TIMEOUT, f"a started kernel for {name} in /api/sessions")
    page.wait_for_function(
        """id => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                   const k = w && w.sessionContext && w.sessionContext.session
                             && w.sessionContext.session.kernel;
                   return !!k && k.id === id && k.connectionStatus === 'connected' && k.status === 'idle'
                          && !w.sessionContext.isDisposed && w.sessionContext.isReady; }""",
        arg=s["kernel"]["id"], timeout=START_TIMEOUT * 1000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=START_TIMEOUT * 1000)
    return s["kernel"]


def no_dialog(page: Page) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        raise Failure(f"JupyterLab shows a dialog: {dialog.first.inner_text()[:300]!r}")


def prompts(page: Page) -> list[str]:
    return page.eval_on_selector_all(".jp-Notebook .jp-CodeCell .jp-InputPrompt",
                                     "ps => ps.map(p => p.textContent.trim())")


def run_all(page: Page, n_code: int) -> None:
    """Run > Run All Cells; wait until every code cell shows a fresh count, [1]...[n] in order."""
    try:  # JupyterLab attaches the cells of a long notebook in batches after it opens
        page.wait_for_function("n => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length >= n",
                               arg=n_code, timeout=START_TIMEOUT * 1000)
    except PlaywrightTimeout:
        pass  # reported just below
    shown = prompts(page)
    if len(shown) != n_code or any(p not in ("[ ]:", "") for p in shown):
        raise Failure(f"before running: expected {n_code} code cells with no count, page shows {shown}")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(
            """() => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                       return document.querySelector('.jp-Dialog') !== null
                         || document.querySelector("[data-mime-type='application/vnd.jupyter.error']") !== null
                         || (p.length > 0 && p.every(e => /^\\[\\d+\\]:?$/.test(e.textContent.trim()))); }""",
            timeout=RUN_ALL_TIMEOUT * 1000)
    except PlaywrightTimeout:
        raise Failure(f"Run All Cells did not finish within {RUN_ALL_TIMEOUT} s: prompts {prompts(page)}") from None
    no_dialog(page)
    error = page.locator("[data-mime-type='application/vnd.jupyter.error']")
    if error.count():
        raise Failure(f"a cell raised an error: {error.first.inner_text()[:800]}")
    expected = [f"[{i}]:" for i in range(1, n_code + 1)]
    if prompts(page) != expected:
        raise Failure(f"execution counts are not [1]..[{n_code}] in order: {prompts(page)}")


def kernel_handled_since(lab: Lab, kernel_id: str, since: datetime) -> None:
    """Until the kernel has sent a message after `since` and is idle again (it handled the change)."""
    def done():
        k = lab.api(f"/api/kernels/{kernel_id}")
        last = datetime.fromisoformat(k["last_activity"].replace("Z", "+00:00"))
        return k["execution_state"] == "idle" and last >= since
    poll(done, KERNEL_TIMEOUT, "the kernel to handle a control change and go idle")


class Widget:
    """One output cell with widget controls, and the images (its figure) in that cell's outputs."""

    def __init__(self, page: Page, lab: Lab, kernel_id: str, cell: Locator):
        self.page, self.lab, self.kernel_id, self.cell = page, lab, kernel_id, cell
        self.controls = cell.locator(
            ".jp-OutputArea .widget-slider, .jp-OutputArea .widget-dropdown, .jp-OutputArea .widget-checkbox,"
            " .jp-OutputArea .widget-button, .jp-OutputArea .widget-toggle-buttons")

    def figure(self) -> str:
        return self.cell.evaluate(FIGURE_JS)

    def label(self, i: int) -> str:
        text = self.controls.nth(i).evaluate(
            "c => [c.querySelector('.widget-label'), c.querySelector('.widget-label-basic'), c]"
            " .map(l => l ? l.textContent.replace(/\\u200b/g, '').trim() : '').find(t => t) || ''")
        return text[:40] or f"control {i}"

    def kind(self, i: int) -> str:
        classes = self.controls.nth(i).get_attribute("class") or ""
        for kind in ("slider", "dropdown", "checkbox", "toggle-buttons", "button"):
            if f"widget-{kind}" in classes.split():
                return kind
        return "?"

    def enabled(self, i: int) -> bool:
        control = self.controls.nth(i)
        return control.evaluate(
            "c => !c.querySelector('[disabled], .noUi-target[disabled]') && !c.disabled")

    def value(self, i: int) -> str:
        return self.controls.nth(i).evaluate(VALUE_JS)

    def act(self, i: int, step: int) -> None:
        """One user action on control i: an arrow key on a slider (direction = sign of step),
        the next option of a dropdown, a click on a checkbox or button."""
        control, kind = self.controls.nth(i), self.kind(i)
        control.scroll_into_view_if_needed()
        if kind == "slider":
            handle = control.locator(".noUi-handle").first
            handle.focus()
            self.page.keyboard.press({1: "ArrowRight", 2: "End", -1: "ArrowLeft", -2: "Home"}[step])
        elif kind == "dropdown":
            select = control.locator("select")
            n = select.evaluate("s => s.options.length")
            index = (select.evaluate("s => s.selectedIndex") + abs(step)) % n
            select.select_option(index=index)
        elif kind == "checkbox":
            control.locator("input[type=checkbox]").click()
        elif kind == "toggle-buttons":
            buttons = control.locator("button:not(.mod-active)")
            buttons.nth((abs(step) - 1) % max(buttons.count(), 1)).click()
        else:
            control.click()

    def figure_changed_from(self, before: str, timeout: int = SHOW_TIMEOUT) -> bool:
        try:
            self.page.wait_for_function(f"([c, old]) => ({FIGURE_JS})(c) !== old && ({FIGURE_JS})(c) !== ''",
                                        arg=[self.cell.element_handle(), before], timeout=timeout)
            return True
        except PlaywrightTimeout:
            return False

    def check_control(self, i: int) -> str:
        """Move control i until its figure changes; return what was done, raise Failure if it never does."""
        kind, label = self.kind(i), self.label(i)
        before = self.figure()
        if not before:
            raise Failure(f"the widget of control {label!r} shows no figure")
        # A slider: a few single steps each way, then its end (a control may matter only over a
        # larger range); a dropdown: each other option in turn; a checkbox or button: one click.
        if kind == "slider":
            plans = [[1] * SLIDER_STEPS + [2], [-1] * SLIDER_STEPS + [-2]]
        elif kind in ("dropdown", "toggle-buttons"):
            options = self.controls.nth(i).locator("select option, button").count()
            plans = [[1] * min(max(options - 1, 1), MAX_OPTIONS)]
        else:
            plans = [[1]]
        values = [self.value(i)]
        for plan in plans:
            for step in plan:
                old = self.value(i)
                since = datetime.now(timezone.utc)
                self.act(i, step)
                if kind != "button":
                    try:  # the control itself must react at once; if not, a slider is at its end
                        self.page.wait_for_function(f"([c, old]) => ({VALUE_JS})(c) !== old",
                                                    arg=[self.controls.nth(i).element_handle(), old],
                                                    timeout=5_000)
                    except PlaywrightTimeout:
                        break
                values.append(self.value(i))
                kernel_handled_since(self.lab, self.kernel_id, since)
                if self.figure_changed_from(before):
                    return (f"{kind} {label!r}: {values[0]} -> {values[-1]} redrew the figure"
                            f" ({len(values) - 1} action{'s' * (len(values) > 2)})")
        if self.figure_changed_from(before, timeout=30_000):  # a last, long look
            return f"{kind} {label!r}: {values[0]} -> {values[-1]} redrew the figure (slowly)"
        raise Failure(f"{kind} {label!r}: moved through {values} but the figure did not change")

    def check_all(self) -> list[str]:
        """Every control, enabling disabled ones through the widget's dropdowns."""
        n = self.controls.count()
        done: dict[int, str] = {}
        dropdowns = [i for i in range(n) if self.kind(i) == "dropdown"]
        tried = {i: 1 for i in dropdowns}  # the option each dropdown shows counts as tried
        while True:
            for i in range(n):
                if i not in done and self.enabled(i):
                    done[i] = self.check_control(i)
                    if i in tried:
                        tried[i] += 1
            missing = [i for i in range(n) if i not in done]
            if not missing:
                return [done[i] for i in range(n)]
            more = [i for i in dropdowns if tried[i] < self.controls.nth(i).locator("select option").count()]
            if not more:
                raise Failure(f"controls never enabled by any option: {[self.label(i) for i in missing]}")
            i = more[0]  # show another option: it may enable the controls still missing
            before, since = self.figure(), datetime.now(timezone.utc)
            self.act(i, 1)
            tried[i] += 1
            kernel_handled_since(self.lab, self.kernel_id, since)
            self.figure_changed_from(before)


def check(notebook: Path, out_dir: Path) -> tuple[list[str], list[str]]:
    """Run one notebook in JupyterLab; return (problems, report lines)."""
    problems: list[str] = []
    report: list[str] = []
    console: list[str] = []
    outside: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        folder = scratch / "notebooks"
        shutil.copytree(notebook.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        n_code = clear_outputs(folder / notebook.name)
        lab = Lab(folder, scratch)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1400, "height": 1000})

                # Only requests to other hosts are intercepted (a Python route handler for every
                # request would stall the page whenever this script is not inside a Playwright call).
                context.route(LEAVES_LOOPBACK, lambda r: r.abort())  # recorded by the "request" event
                context.on("request", lambda r: None if not LEAVES_LOOPBACK.match(r.url)
                           else outside.append(f"{r.method} {r.url[:200]}"))
                page = context.new_page()
                page.on("console", lambda m: console.append(f"{m.text[:300]} ({m.location.get('url', '')[:120]})")
                        if m.type == "error" else None)
                page.on("pageerror", lambda e: console.append(f"page error: {str(e)[:300]}"))
                page.on("websocket", lambda ws: None if urllib.parse.urlsplit(ws.url).hostname == "127.0.0.1"
                        else outside.append(f"websocket {ws.url[:200]}"))
                try:
                    page.goto(lab.url(f"/lab/tree/{urllib.parse.quote(notebook.name)}"), timeout=START_TIMEOUT * 1000)
                    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=START_TIMEOUT * 1000)
                    kernel = wait_for_kernel(page, lab, notebook.name)
                    no_dialog(page)
                    t_run = time.monotonic()
                    run_all(page, n_code)
                    report.append(f"ran {n_code} code cells in {time.monotonic() - t_run:.0f} s, counts [1]..[{n_code}]")
                    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                    if stderr.count():
                        report.append(f"{stderr.count()} stderr outputs, first: {stderr.first.inner_text()[:200]!r}")
                    cells = page.locator(".jp-Notebook .jp-CodeCell")
                    widget_cells = [i for i in range(cells.count()) if cells.nth(i).evaluate(CONTROLS_JS)]
                    if not widget_cells:
                        report.append("no widget controls in this notebook")
                    for k, i in enumerate(widget_cells):
                        widget = Widget(page, lab, kernel["id"], cells.nth(i))
                        t_widget = time.monotonic()
                        lines = widget.check_all()
                        report.append(f"widget in code cell {i + 1}: {len(lines)} controls checked in "
                                      f"{time.monotonic() - t_widget:.0f} s")
                        report.extend("  " + line for line in lines)
                        suffix = "" if k == 0 else f"-{k + 1}"
                        cells.nth(i).scroll_into_view_if_needed()
                        cells.nth(i).screenshot(path=str(out_dir / f"browser-{notebook.stem}{suffix}.png"))
                    no_dialog(page)
                    toasts = page.locator(".Toastify__toast")
                    if toasts.count():
                        raise Failure(f"a notification toast is shown: {toasts.first.inner_text()[:200]!r}")
                except (Failure, PlaywrightTimeout) as err:
                    problems.append(str(err).splitlines()[0] if isinstance(err, PlaywrightTimeout) else str(err))
                    page.screenshot(path=str(out_dir / f"browser-{notebook.stem}-failed.png"), full_page=True)
                browser.close()
        finally:
            lab.stop()
            problems += [f"browser console error: {c}" for c in console]
            problems += [f"request leaving 127.0.0.1 (blocked): {o}" for o in outside]
            problems += [f"JupyterLab's server reached outside: {o}" for o in lab.outside_lookups()]
    report.append(f"{time.monotonic() - start:.0f} s in all")
    return problems, report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help=f"notebooks to check (default: {', '.join(DEFAULT)})")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM=...")
        return 2
    notebooks = [p.resolve() for p in args.notebooks] or [ROOT / "notebooks" / name for name in DEFAULT]
    failed = 0
    start = time.monotonic()
    for nb in notebooks:
        problems, report = check(nb, ROOT / "benchmarks" / "results")
        print(f"{nb.name}: {'FAILED' if problems else 'passed'}")
        for line in report:
            print("   ", line)
        for problem in problems:
            print("    FAILED:", problem)
        failed += bool(problems)
        sys.stdout.flush()
    print(f"{len(notebooks) - failed} passed, {failed} failed ({time.monotonic() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
