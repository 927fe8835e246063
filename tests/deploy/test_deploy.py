"""deploy/: the systemd unit and the nginx snippet pass their tools' own checks.

Each test skips, with the reason in pytest's summary, when its tool is not installed
(`apt-get install nginx openssl`; systemd-analyze comes with systemd).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import WebhookSettings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "conference-bot.service"
NGINX = DEPLOY / "nginx-webhook.conf"
INSTALLED_COMMAND = "/opt/conference-bot/venv/bin/conference-bot run"


# What /metrics serves that the dashboard may use (tests/bot/test_metrics.py checks a real scrape).
DASHBOARD_METRICS = {
    "conference_bot_updates_received_total",
    "conference_bot_updates_handled_total",
    "conference_bot_reply_latency_seconds_bucket",
    "conference_bot_answers_total",
    "conference_bot_inbox_depth",
    "conference_bot_outbox_rows",
    "conference_bot_broadcast_messages_total",
    "conference_bot_telegram_429_total",
    "conference_bot_telegram_retries_total",
    "conference_bot_storage_failures_total",
    "conference_bot_storage_outages_total",
    "conference_bot_storage_failing",
    "conference_bot_storage_damaged",
    "conference_bot_replication_up",
    "conference_bot_replication_lag_seconds",
    "conference_bot_replication_sync_errors_total",
    "conference_bot_replication_restarts_total",
    "conference_bot_web_requests_total",
    "process_resident_memory_bytes",
}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here: deploy/ is not verified by it")
    return path


def _verify_unit(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    unit = tmp_path / UNIT.name
    unit.write_text(text, encoding="utf-8")
    return subprocess.run(
        [_tool("systemd-analyze"), "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED_COMMAND in text
    # The installed entry point does not exist on this machine; this interpreter runs the same.
    local = text.replace(INSTALLED_COMMAND, f"{sys.executable} -m bot run")
    result = _verify_unit(local, tmp_path)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result
    # The check is real: a mistake in the unit is reported.
    broken = _verify_unit(local.replace("KillSignal=SIGTERM", "KillSignal=SIGBOGUS"), tmp_path)
    assert "SIGBOGUS" in broken.stdout + broken.stderr


def test_systemd_unit_does_not_restart_a_configuration_mistake() -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert "Restart=on-failure" in text
    assert "RestartPreventExitStatus=2" in text  # cli.EXIT_CONFIG


def _nginx_test(site: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    openssl = _tool("openssl")
    nginx = _tool("nginx")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    if not cert.exists():
        subprocess.run(
            [
                *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=bot.example.org"),
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
    site = site.replace("/etc/letsencrypt/live/bot.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/bot.example.org/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_nginx_snippet_passes_nginx_t(tmp_path: Path) -> None:
    site = NGINX.read_text(encoding="utf-8")
    result = _nginx_test(site, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    broken = _nginx_test(site.replace("proxy_pass", "proxy_passs"), tmp_path)
    assert broken.returncode != 0


def test_nginx_snippet_matches_the_documented_webhook_config() -> None:
    site = NGINX.read_text(encoding="utf-8")
    settings = WebhookSettings(url="https://bot.example.org/telegram/webhook")
    assert f"location = {settings.path} {{" in site
    assert f"proxy_pass http://{settings.listen}:{settings.port};" in site
    assert "server_name bot.example.org;" in site


def test_grafana_dashboard_uses_only_metrics_the_bot_serves() -> None:
    """deploy/grafana-dashboard.json is a dashboard whose every query names a metric family
    that /metrics serves (tests/bot/test_metrics.py scrapes them from a real process)."""
    import json
    import re

    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    served = DASHBOARD_METRICS
    used = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used |= set(re.findall(r"\b(?:conference_bot|process)_[a-z0-9_]+", target["expr"]))
    assert used and used <= served, used - served
