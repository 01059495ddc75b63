"""The docker-compose deployment, checked without a Docker engine: the file validates against the
Compose Specification's JSON schema (vendored, see tests/data/README.md) before and after
interpolation with `.env.example`, and follows the rules of the production topology."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"

AIRFLOW_SERVICES = ("airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker")
BACKING_SERVICES = ("redis", "postgres", "warehouse", "mailpit")
BAKED_FOLDERS = ("dags", "etl", "expectations", "sql", "report_templates")
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|FERNET|TOKEN|PRIVATE|_KEY$|^KEY$)", re.IGNORECASE)
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                       r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of a dotenv file (no quoting rules needed for ours)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR:+alt}, $$."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        if op in (":-", "-"):
            return current if (current if op == ":-" else current is not None) else arg
        if op in (":?", "?"):
            if current is None or (op == ":?" and current == ""):
                raise KeyError(f"required variable {name} is unset: {arg}")
            return current
        if op in (":+", "+"):
            return arg if (current if op == ":+" else current is not None) else ""
        return current or ""

    return _VARIABLE.sub(replace, value)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    return node


def referenced_variables(text: str) -> dict[str, str | None]:
    """Variables the compose file reads, with the operator they use (None for plain ${VAR})."""
    found: dict[str, str | None] = {}
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for match in _VARIABLE.finditer(text):
        if match.group(0) != "$$":
            found.setdefault(match.group("name") or match.group("bare"), match.group("op"))
    return found


@cache
def raw_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))  # merge keys (<<) resolved


@cache
def example_env() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@cache
def resolved_compose() -> dict[str, Any]:
    """The file as `docker compose config` would see it with `.env.example` as `.env`."""
    return interpolate_tree(raw_compose(), example_env())


def all_scalars(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in all_scalars(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [item for index, value in enumerate(node) for item in all_scalars(value, f"{path}[{index}]")]
    return [(path, node)]


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


# --- The schema ---------------------------------------------------------------------------------

def test_compose_file_validates_against_the_compose_specification_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    for label, document in (("as written", raw_compose()), ("interpolated with .env.example", resolved_compose())):
        errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
        assert not errors, f"{label}: " + "; ".join(
            f"{'/'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in errors[:10])


def test_schema_catches_a_broken_file() -> None:
    """Guards the guard: the vendored schema really rejects what Docker would reject."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    broken = {"services": {"web": {"image": "x", "depends_on": {"db": {"condition": "when_ready"}},
                                   "healthcheck": {"test": ["CMD"], "intervall": "5s"}}}}
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) >= 2


# --- Services and the shared block -----------------------------------------------------------

def test_every_service_of_the_topology_is_present() -> None:
    services = raw_compose()["services"]
    assert set(AIRFLOW_SERVICES + BACKING_SERVICES) <= set(services), sorted(services)
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES if name != "airflow-init"}
    assert commands == {
        "airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }


def test_airflow_services_share_x_airflow_common_built_from_the_dockerfile() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    common = raw_compose()["x-airflow-common"]
    assert common["build"]["context"] == "." and common["build"].get("dockerfile", "Dockerfile") == "Dockerfile"
    assert "image" in common
    for name in AIRFLOW_SERVICES:
        assert re.search(rf"^  {re.escape(name)}:\n    <<: \*airflow-common$", text, re.MULTILINE), \
            f"{name} does not merge *airflow-common"
        service = raw_compose()["services"][name]
        assert service["build"] == common["build"] and service["image"] == common["image"], name
        assert service["volumes"] == common["volumes"], name
        missing = set(environment_of(common)) - set(environment_of(service))
        assert not missing, f"{name} lacks common environment {sorted(missing)}"
    env_files = common["env_file"]
    assert any((entry if isinstance(entry, str) else entry["path"]) == ".env" for entry in env_files)


def test_airflow_runs_celery_on_postgres_and_redis_with_env_connections() -> None:
    env = environment_of(resolved_compose()["x-airflow-common"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).hostname == "postgres"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"]).hostname == "postgres"
    assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
    warehouse = urlsplit(env["AIRFLOW_CONN_IP_WAREHOUSE"])
    assert (warehouse.scheme, warehouse.hostname, warehouse.port) == ("postgresql", "warehouse", 5432)
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")
    smtp = json.loads(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert (smtp["conn_type"], smtp["host"], smtp["port"]) == ("smtp", "mailpit", 1025)
    assert smtp["extra"]["disable_ssl"] is True and smtp["extra"]["disable_tls"] is True
    assert smtp["extra"]["from_email"]
    mailpit = resolved_compose()["services"]["mailpit"]
    assert any(str(port).endswith(":8025") for port in mailpit["ports"])
    assert 1025 in [int(port) for port in mailpit.get("expose", [])]


def test_airflow_config_variables_name_real_options() -> None:
    """A typo in AIRFLOW__SECTION__KEY is silently ignored by Airflow; catch it here."""
    import airflow.config_templates
    from airflow.providers.celery.get_provider_info import get_provider_info

    core = yaml.safe_load((Path(airflow.config_templates.__file__).parent / "config.yml").read_text())
    known = {(section, key) for section, body in core.items() for key in body["options"]}
    known |= {(section, key) for section, body in get_provider_info()["config"].items()
              for key in body["options"]}
    names = set()
    for service in [raw_compose()["x-airflow-common"], *raw_compose()["services"].values()]:
        names |= {name for name in environment_of(service) if name.startswith("AIRFLOW__")}
    assert names
    unknown = [name for name in sorted(names)
               if tuple(part.lower() for part in name.split("__")[1:3]) not in known]
    assert not unknown, f"not Airflow options: {unknown}"


# --- Health and order of start ------------------------------------------------------------------

def test_every_service_has_a_healthcheck() -> None:
    for name, service in raw_compose()["services"].items():
        check = service.get("healthcheck")
        assert check and not check.get("disable") and check.get("test"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("interval") and check.get("retries"), f"{name}: interval and retries"


def test_dependencies_wait_for_health_or_init_completion() -> None:
    services = raw_compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        assert isinstance(depends, dict), f"{name}: depends_on must use conditions"
        for dependency, rule in depends.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            expected = "service_completed_successfully" if dependency == "airflow-init" else "service_healthy"
            assert rule["condition"] == expected, f"{name} -> {dependency}: {rule['condition']}"
    for name in AIRFLOW_SERVICES:
        needed = {"postgres", "redis", "warehouse"} | ({"airflow-init"} if name != "airflow-init" else set())
        assert needed <= set(services[name]["depends_on"]), f"{name}: {sorted(services[name]['depends_on'])}"
    assert "airflow-apiserver" in services["airflow-worker"]["depends_on"]  # execution API


def test_init_migrates_creates_admin_warehouse_roles_and_pools() -> None:
    init = raw_compose()["services"]["airflow-init"]
    script = "\n".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    for step in ("airflow db migrate", "ipstats db init --roles", "airflow pools set duckdb_writer",
                 "simple_auth_manager_passwords.json"):
        assert step in script, step
    assert "AIRFLOW_ADMIN_PASSWORD" in environment_of(init)


# --- Volumes and secrets ----------------------------------------------------------------------

def test_landing_archive_outbox_and_reports_are_volumes() -> None:
    common = resolved_compose()["x-airflow-common"]
    mounts = {}
    for volume in common["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[target] = source
    env = environment_of(common)
    for folder in ("landing", "archive", "outbox", "reports", "quarantine"):
        target = env[f"IPSTATS_{folder.upper()}_DIR"]
        assert target in mounts, f"{folder}: {target} is not a volume"
        assert mounts[target].endswith(f"/{folder}"), mounts[target]


def test_no_secret_is_written_in_the_compose_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in text
    for path, value in all_scalars(raw_compose()):
        key = path.rsplit(".", 1)[-1]
        if not isinstance(value, str):
            continue
        if SECRET_NAME.search(key) and not key.endswith("_FILE"):
            assert value == "" or "${" in value, f"{path} holds a literal secret"
        masked = re.sub(r"\$?\$\{[^}]*\}", "VARIABLE", value)
        for url in re.findall(r"[a-z+]+://[^\s'\"]+", masked):
            password = urlsplit(url).password
            assert password in (None, "", "VARIABLE"), f"{path}: literal password in {url}"
    for key, value in json.loads(
            raw_compose()["x-airflow-common"]["environment"]["AIRFLOW_CONN_SMTP_DEFAULT"]
            .replace("${SMTP_PORT:-1025}", "1025").replace("${SMTP_DISABLE_SSL:-true}", "true")
            .replace("${SMTP_DISABLE_TLS:-true}", "true")).items():
        if key == "password":
            assert value.startswith("${"), "SMTP password must come from .env"


def test_env_example_covers_every_variable_and_holds_no_secret() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    example = example_env()
    required = {name for name, op in referenced_variables(text).items() if op in (":?", "?", None)}
    # Variables set inside the containers' own shell ($${...}) are not read from .env.
    missing = sorted(name for name in required if name not in example)
    assert not missing, f".env.example lacks {missing}"
    optional = {name for name, op in referenced_variables(text).items() if op in (":-", "-")}
    undocumented = sorted(name for name in optional if name not in example)
    assert not undocumented, f".env.example does not document {undocumented}"
    for key, value in example.items():
        if SECRET_NAME.search(key):
            assert value in ("", "CHANGE_ME"), f".env.example {key} must be a placeholder"
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT)
    assert ignored.returncode == 0, ".env must be git-ignored"
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", ".env"], cwd=PROJECT_ROOT,
                             capture_output=True)
    assert tracked.returncode != 0, ".env is committed"


def test_missing_required_secret_fails_interpolation() -> None:
    env = dict(example_env())
    del env["AIRFLOW_DB_PASSWORD"]
    with pytest.raises(KeyError, match="AIRFLOW_DB_PASSWORD"):
        interpolate_tree(raw_compose(), env)


# --- The image ----------------------------------------------------------------------------------

def test_dockerfile_builds_from_the_lock_and_bakes_in_the_project() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    lock = (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")
    airflow_pin = re.search(r"^apache-airflow==(\S+)$", lock, re.MULTILINE).group(1)
    base = re.search(r"^ARG AIRFLOW_IMAGE=(\S+)$", text, re.MULTILINE) or re.search(r"^FROM (\S+)", text,
                                                                                    re.MULTILINE)
    assert base.group(1) in (f"apache/airflow:{airflow_pin}-python3.11", "python:3.11-slim"), base.group(1)
    assert re.search(r"pip install[^\n]*-r requirements\.lock", text)
    copied = set(re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+?)/?\s+\S+$", text, re.MULTILINE))
    assert set(BAKED_FOLDERS) <= copied, f"Dockerfile copies {sorted(copied)}"
    assert "fonts-wqy-microhei" in text
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in text
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "data/"} <= set(ignored)
    for folder in BAKED_FOLDERS:
        assert folder not in ignored and f"{folder}/" not in ignored, f".dockerignore drops {folder}"
