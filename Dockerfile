# The app image: `docker compose up` runs it beside PostgreSQL (docker-compose.yml).
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app
WORKDIR /app

# Same install as the Makefile's first file (requirements-dev.txt adds the browser test and lint tools).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise; the key only lets settings load.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput

USER 10001:10001
EXPOSE 8000
# Same start as `make run`: migrate, then gunicorn on 0.0.0.0:8000 with 2 workers x 4 threads.
CMD ["bin/start-web"]
