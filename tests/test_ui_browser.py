"""The Dagster UI and the CX report in a real browser: `dagster dev` on the test data, driven
by Playwright with Debian's chromium (never a downloaded browser).

Uses the session's data directory as test_pipeline_e2e.py leaves it (that module runs first);
run alone, it builds a small dataset first. Screenshots go to C360_TEST_ARTIFACTS (default
test-artifacts/ in the repo, git-ignored)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dagster import DagsterInstance

from config.settings import REPO_ROOT, paths

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
START = dt.date(2026, 1, 1)
UI_PARTITION = "2026-01-05"
# Bounds on waiting loops (not assertions on time): a broken server fails the test instead of hanging it.
SERVER_START_ATTEMPTS = 240
RUN_POLL_ATTEMPTS = 90

if not CHROMIUM.exists():  # .ci/run installs it; a developer machine may not have it
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.fixture(scope="module")
def artifacts() -> Path:
    out = Path(os.environ.get("C360_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def built_data() -> Path:
    """A data directory the pipeline has run on (the e2e module's, or a small one built here)."""
    if not (paths().reports / "cx_report.html").exists():
        from orchestration.definitions import defs
        from orchestration.run_day import range_tags
        from synthetic.generate import generate

        generate(paths().data_dir, persons=150, days=10, start=START, seed=5)
        job = defs.resolve_job_def("nightly_pipeline")
        last = (START + dt.timedelta(days=9)).isoformat()
        tags = range_tags(START.isoformat(), last)
        assert job.execute_in_process(instance=DagsterInstance.ephemeral(), tags=tags).success
    return paths().data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dagster_ui(built_data, tmp_path_factory, artifacts):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "DAGSTER_HOME": str(home), "C360_DATA_DIR": str(built_data),
           "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}", "DAGSTER_DISABLE_TELEMETRY": "true",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    log = (artifacts / "dagster_dev.log").open("w")
    server = subprocess.Popen(
        [str(venv_bin / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(SERVER_START_ATTEMPTS):
            assert server.poll() is None, (artifacts / "dagster_dev.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("dagster dev did not answer; see dagster_dev.log")
        yield url
    finally:
        # dagster dev winds its processes down slowly: ask, then make sure.
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # Dagster's first-visit "join the community" dialog, shown on localhost until local storage
    # says it was seen: marked seen before any page loads. Dismissed as it opened, it once closed
    # the Materialize dialog under it.
    page.add_init_script("window.localStorage.setItem('communityNux', 'true')")
    page.set_default_timeout(60_000)
    yield page
    page.close()




def test_asset_graph_lists_the_pipeline_assets(dagster_ui, page, artifacts):
    expected = {
        "raw": ["raw / support / surveys", "raw / support / tickets", "raw / sales / orders"],
        "feedback": ["feedback / text_sentiment"],
        "marts": ["marts / customer_360", "marts / feedback_sentiment", "marts / experience_engagement_bands",
                  "marts / support_ticket_trends"],
        "ml": ["marts / churn_scores", "marts / ml_model_registry"],
        "serving": ["serving / bi_tables"],
        "reporting": ["reports / cx_report"],
    }
    # The lineage graph draws only the nodes in view, with long names cut: the group's list
    # view (in a tall window) names every asset in full.
    page.set_viewport_size({"width": 1400, "height": 2400})
    for group, assets in expected.items():
        page.goto(f"{dagster_ui}/locations/customer360/asset-groups/{group}/list")
        for key in assets:  # a long name is shown cut in the middle; the full one is in the row
            page.get_by_text(key, exact=True).first.wait_for(state="attached")
        page.screenshot(path=str(artifacts / f"ui_group_{group}.png"))
    page.goto(f"{dagster_ui}/asset-groups")
    page.get_by_text("reporting", exact=True).first.wait_for()
    page.screenshot(path=str(artifacts / "ui_lineage.png"))


def test_a_partition_materialised_from_the_ui_succeeds(dagster_ui, page, artifacts):
    page.goto(f"{dagster_ui}/assets/raw/support/surveys")
    page.get_by_role("button", name="Materialize…").click()
    page.get_by_text("Show all partitions").click()
    partitions = page.get_by_placeholder("ex: 2026-01-01", exact=False)
    partitions.fill(UI_PARTITION)
    partitions.press("Enter")
    page.get_by_role("button", name="Launch 1 run").click()
    # the dialog closes once the launch is acknowledged; leaving the page earlier could cancel it
    page.get_by_text("Launch runs to materialize").wait_for(state="hidden")
    status = None
    for _ in range(RUN_POLL_ATTEMPTS):  # the instance is new: its only run is the one launched above
        page.goto(f"{dagster_ui}/runs")
        page.get_by_text("Launched by").first.wait_for()
        text = page.inner_text("body")
        if f"partition: {UI_PARTITION}" in text:
            status = next((s for s in ("Success", "Failure", "Canceled") if s in text), None)
            if status:
                break
        page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "ui_runs.png"))
    assert status == "Success", (artifacts / "dagster_dev.log").read_text()[-3000:]
    page.goto(f"{dagster_ui}/assets/raw/support/surveys")
    page.get_by_text("rows_loaded").first.wait_for()  # the run's metadata reached the asset page


def test_cx_report_charts_render(built_data, page, artifacts):
    page.goto((built_data / "reports" / "cx_report.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0")
    rendered = page.evaluate(
        "[...document.querySelectorAll('.plotly-graph-div')]"
        ".map(d => [d.id, d.querySelectorAll('.main-svg').length, d.querySelectorAll('path, rect, circle').length])"
    )
    charts = {chart_id: (svgs, marks) for chart_id, svgs, marks in rendered}
    # the KPI tiles and the experience link exist on any data; the other charts when their data does
    assert {"kpi-0", "kpi-1", "kpi-2", "kpi-3", "kpi-4", "quadrant", "experience-link"} <= set(charts), charts
    assert len(charts) >= 8, charts
    for chart_id, (svgs, marks) in charts.items():
        assert svgs > 0 and marks > 5, (chart_id, svgs, marks)
    for section in ("kpis", "experience", "support", "quality"):
        page.locator(f"#{section}").screenshot(path=str(artifacts / f"report_{section}.png"))
    page.screenshot(path=str(artifacts / "report_full.png"), full_page=True)
