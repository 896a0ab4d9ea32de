FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app
COPY pyproject.toml README.md ./
COPY intake intake
COPY mailboxes mailboxes
COPY acd_points acd_points
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected at build time; the throw-away key exists only for this step.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var /data/media /data/acd-files && chown -R portal /app/var /data

USER portal
EXPOSE 8000
CMD ["gunicorn", "intake.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
