"""Shared fixtures: LibreOffice availability, golden-file updating, example values."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Compiled Word templates are cached per user (xl2report.report.compile_cache); tests, and the
# CLI processes they start, use a cache of their own instead of the user's.
os.environ.setdefault("XL2REPORT_CACHE_DIR", tempfile.mkdtemp(prefix="xl2report-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent

# Property tests explore new random examples on every local run; the landing gate (.ci/run sets
# XL2REPORT_HYPOTHESIS=ci) runs a fixed set, so it never fails on an example nobody has seen
# before. A failure found locally is kept as an @example in its test.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("XL2REPORT_HYPOTHESIS", "default"))

# Real mail servers on loopback (Dovecot, aiosmtpd) as fixtures: ``dovecot``, ``smtp``; and
# TLS-only ones with a test CA: ``tls_certs``, ``tls_dovecot``, ``tls_smtp``.
pytest_plugins = ["mail_servers", "tls_servers"]
EXAMPLE_JSON = ROOT / "examples" / "kejing-2024.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = {
        "libreoffice": not (shutil.which("soffice") or shutil.which("libreoffice")),
        "poppler": not shutil.which("pdftotext"),
    }
    reasons = {
        "libreoffice": "LibreOffice (soffice) 未安装：真实客户端测试跳过",
        "poppler": "poppler-utils (pdftotext) 未安装：PDF 文字测试跳过",
    }
    for item in items:
        for marker, absent in missing.items():
            if absent and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reasons[marker]))


@pytest.fixture(scope="session")
def kejing_values() -> dict:
    from xl2report.checks.cells import coerce_values

    return coerce_values(json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))["values"])
