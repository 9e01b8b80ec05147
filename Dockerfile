# The app image: `docker compose up` runs it beside PostgreSQL (docker-compose.yml).
FROM python:3.11.14-slim-bookworm

# SECRETS_DIR is a folder's path, not a secret (DL3064 matches the word).
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SECRETS_DIR=/var/lib/worklog/secrets

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/worklog/secrets \
    && chown app:app /var/lib/worklog/secrets \
    && chmod 0711 /var/lib/worklog/secrets
WORKDIR /app

# Same install as the Makefile's first file (requirements-dev.txt adds the browser test and lint tools).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise. Debug on only lets the
# settings load without the production variables (a random key, for this command alone).
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput

USER 10001:10001
EXPOSE 8000
# Generated secrets (bin/ensure-secrets, kept in $SECRETS_DIR: compose mounts a volume there) are
# exported unless the environment gives them, then the command runs.
ENTRYPOINT ["bin/with-secrets"]
# gunicorn with gunicorn.conf.py (0.0.0.0:8000, 2 workers x 4 threads by default, JSON logs); the
# compose file's one-off `migrate` service applies the migrations before it starts.
CMD ["bin/start-web"]
