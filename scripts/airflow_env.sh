# Sourced by the scripts: the embedded default's Airflow settings (SQLite metadata under the data
# folder, this repository's dags/, no examples). Every value can be overridden from outside.
IPSTATS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export IPSTATS_HOME=${IPSTATS_HOME:-$IPSTATS_ROOT/data}
export AIRFLOW_HOME=${AIRFLOW_HOME:-$IPSTATS_HOME/airflow}
export AIRFLOW__CORE__DAGS_FOLDER=${AIRFLOW__CORE__DAGS_FOLDER:-$IPSTATS_ROOT/dags}
export AIRFLOW__CORE__LOAD_EXAMPLES=${AIRFLOW__CORE__LOAD_EXAMPLES:-False}
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}
export AIRFLOW__LOGGING__LOGGING_LEVEL=${AIRFLOW__LOGGING__LOGGING_LEVEL:-WARNING}
export PATH="$IPSTATS_ROOT/.venv/bin:$PATH"
mkdir -p "$AIRFLOW_HOME"
