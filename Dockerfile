# The API and the worker (same image; the worker's command is `benchsight worker`).
# The database is DATABASE_URL (Supabase or any PostgreSQL 15+); nothing is embedded here.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin benchsight

# The repository is the dbt project (dbt_project.yml, models, macros, seeds, migrations), so the
# install is editable from /app, exactly as `make install` does, pinned by requirements.lock.
WORKDIR /app
COPY --chown=benchsight:benchsight . .
RUN pip install --quiet -c requirements.lock -e . \
    && mkdir -p /app/.benchsight && chown -R benchsight:benchsight /app

USER benchsight
# Run artifacts, the manifest cache and the schema file live here (ephemeral in a container).
ENV BENCHSIGHT_HOME=/app/.benchsight \
    PORT=8000
EXPOSE 8000

# Render/Railway set PORT; `benchsight serve` also reads it when --port is not given.
CMD ["sh", "-c", "exec benchsight serve --host 0.0.0.0 --port \"$PORT\""]
