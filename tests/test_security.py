"""Security and privacy of the repository and of what configuration can reach: no secrets or
machine paths committed, names from configuration are plain identifiers before they become SQL
or folders, and no path leaves the data folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from config.contract import CONTRACT_FILE, entity, load_contract
from config.settings import REPO_ROOT, Paths, inside
from orchestration.dbt_args import window_vars

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    "Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
    "password assignment": re.compile(r"(?i)\b(password|passwd|secret|api_key|token)\s*[:=]\s*['\"][^'\"\s]{6,}['\"]"),
    "URL with credentials": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    "machine path": re.compile(r"(?<![\w.])/(home|Users|root|work|opt/pypi)/[\w.-]+"),
    "package index URL": re.compile(r"(?i)(index-url|extra-index-url|find-links)\s*[= ]"),
}


def _committed_text_files() -> list[Path]:
    """What git tracks or would add (ignored files, e.g. test artifacts and data, left out)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    binary = {".duckdb", ".parquet", ".png", ".ico", ".pyc"}
    return [REPO_ROOT / p for p in listed if p and Path(p).suffix not in binary and (REPO_ROOT / p).is_file()]


def test_no_secrets_machine_paths_or_registry_urls_in_the_repository():
    assert len(_committed_text_files()) > 50  # the walk does see the repository
    this_file = Path(__file__).resolve()
    found = []
    for path in _committed_text_files():
        if path.resolve() == this_file:
            continue
        text = path.read_text(errors="replace")
        for what, pattern in SECRET_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(REPO_ROOT)}: {what}: {match.group(0)[:60]}")
    assert found == []


def test_the_secret_scan_catches_what_it_looks_for():
    samples = {
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS access key": "key = AKIAABCDEFGHIJKLMNOP",
        "password assignment": 'password: "hunter2hunter2"',
        "URL with credentials": "postgres://analyst:s3cret@db.internal/c360",
        "machine path": "C360_DATA_DIR=/home/alice/c360/data",
        "package index URL": "--index-url https://mirror.example/simple",
    }
    for what, text in samples.items():
        assert SECRET_PATTERNS[what].search(text), what


def _contract_with(tmp_path, mutate) -> Path:
    doc = yaml.safe_load(CONTRACT_FILE.read_text())
    mutate(doc)
    path = tmp_path / "contract.yml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["sources"]["sales"]["entities"]["orders"]["columns"].update(
            {'x" VARCHAR); DROP TABLE raw.sales__orders; --': {"type": "string"}}), "column"),
        (lambda d: d["sources"]["sales"]["entities"].update(
            {"../../etc": d["sources"]["sales"]["entities"]["orders"]}), "entity"),
        (lambda d: d["sources"].update({"Sales Dept": d["sources"]["sales"]}), "source"),
        (lambda d: d["sources"]["sales"]["bad_input"].update({"on_breach": "ignore"}), "bad_input"),
    ],
)
def test_contract_names_must_be_plain_identifiers(tmp_path, mutate, message):
    with pytest.raises(ValueError, match=message):
        load_contract(_contract_with(tmp_path, mutate))


def test_no_path_leaves_the_data_folder(tmp_path):
    data = Paths(tmp_path / "data")
    assert data.under("quality", "data_docs") == tmp_path / "data" / "quality" / "data_docs"
    for parts in [("..", "elsewhere"), ("ops", "..", "..", "x"), ("/etc/passwd",)]:
        with pytest.raises(ValueError, match="leads outside"):
            data.under(*parts)
    with pytest.raises(ValueError, match="leads outside"):
        inside(tmp_path / "landing", "sales", "../../..")


def test_a_landing_day_must_be_a_date(tmp_path):
    orders = entity("sales", "orders")
    assert orders.landing_file(tmp_path, "2026-01-05") == tmp_path / "sales" / "orders" / "2026-01-05.parquet"
    for day in ["../../secrets", "2026-01-05/../../x", "2026-13-01"]:
        with pytest.raises(ValueError):
            orders.landing_file(tmp_path, day)


def test_dbt_vars_are_built_from_dates_only():
    assert window_vars("2026-01-01", "2026-01-31") == {"min_date": "2026-01-01", "max_date": "2026-02-01"}
    with pytest.raises(ValueError):
        window_vars("2026-01-01' OR 1=1 --", "2026-01-02")
