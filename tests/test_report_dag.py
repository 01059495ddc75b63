"""The report DAG in a real Airflow (``airflow dags test``): renders the chosen plan's report and
e-mails it through the ``smtp_default`` connection (the provider's SmtpHook inside the task) to a
real SMTP server; a second run of the DAG sends nothing more."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, airflow_env
from tests.test_delivery import RECIPIENTS, _Collector, _free_port
from tests.test_report_support import demo_warehouse


@pytest.mark.airflow
def test_dag_renders_and_sends_once(airflow_home: Path, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from etl import warehouse

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    demo_warehouse(url)
    warehouse.dispose_engines()  # the task opens the DuckDB file in its own process
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(RECIPIENTS, encoding="utf-8")
    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": controller.port,
                      "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 5}}
        env = airflow_env(airflow_home, IPSTATS_WAREHOUSE_URL=url, IPSTATS_HOME=str(tmp_path / "home"),
                          IPSTATS_RECIPIENTS_FILE=str(recipients), IPSTATS_SAMPLE_DATA="1",
                          IPSTATS_REPORT_WORKERS="1", AIRFLOW_CONN_SMTP_DEFAULT=json.dumps(connection))
        airflow = str(VENV_BIN / "airflow")
        subprocess.run([airflow, "pools", "set", "duckdb_writer", "1", "DuckDB single writer"], env=env,
                       check=True, capture_output=True, timeout=300)
        command = [airflow, "dags", "test", "ip_reports", "2025-01-05T01:00:00+00:00",
                   "--conf", json.dumps({"periods": ["2024"], "plans": ["zhaoqing-opinions"]})]
        first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
        assert len(handler.envelopes) == 1
        assert b"application/pdf" in handler.envelopes[0].content
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, (second.stdout + second.stderr)[-4000:]
        assert len(handler.envelopes) == 1  # the same version is not sent twice
    finally:
        controller.stop()
