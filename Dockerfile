# syntax=docker/dockerfile:1
# The ipstats image: Airflow 3.3.2 on Python 3.11 with the project's pinned dependencies and its
# code baked in. No extra pip requirements at start-up: what runs in production is what was built here.
# Build: docker compose build   (or: docker build -t ipstats-airflow:local .)
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

# CJK fonts for the PDF reports (WeasyPrint/matplotlib), Pango for WeasyPrint, curl for healthchecks.
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      fonts-wqy-microhei fonts-wqy-zenhei fontconfig \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      curl \
 && fc-cache -f \
 && apt-get autoremove -yqq --purge \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

ENV IPSTATS_SRC=/opt/ipstats
RUN mkdir -p ${IPSTATS_SRC} /data && chown -R airflow:0 ${IPSTATS_SRC} /data
USER airflow
WORKDIR ${IPSTATS_SRC}

# Dependencies first (cached while only code changes): exactly the versions of requirements.lock.
COPY --chown=airflow:0 requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock

# The project: code, DAGs, expectation suites, SQL and report templates.
COPY --chown=airflow:0 etl/ ./etl/
COPY --chown=airflow:0 dags/ ./dags/
COPY --chown=airflow:0 expectations/ ./expectations/
COPY --chown=airflow:0 sql/ ./sql/
COPY --chown=airflow:0 report_templates/ ./report_templates/
# Editable install: etl/config.py finds sql/, expectations/ and report_templates/ next to etl/.
RUN pip install --no-cache-dir --no-deps -e . \
 && python -c "import etl.cli, etl.roles" \
 && ipstats --help >/dev/null

ENV AIRFLOW__CORE__DAGS_FOLDER=${IPSTATS_SRC}/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    IPSTATS_HOME=/data \
    IPSTATS_RECIPIENTS_FILE=${IPSTATS_SRC}/config/recipients.yaml \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /opt/airflow
