# One image for every Rollcall service (migrate, bot, worker, scheduler, sandbox): see
# docker-compose.yml. tests/integration/test_dockerfile.py installs exactly what the COPY
# lines below copy and runs every compose service's command from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, hash-checked from the lock, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY core ./core
COPY kindertrack ./kindertrack
COPY workers ./workers
COPY bot ./bot
COPY cli ./cli
COPY rollcall ./rollcall
COPY standins ./standins
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 rollcall \
    && mkdir -p /data \
    && chown rollcall /data

USER rollcall
ENV ROLLCALL_HOME=/home/rollcall/.rollcall

CMD ["rollcall", "--help"]
