FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph graph
COPY ingest ingest
COPY api api
COPY workers workers
COPY outreach outreach
RUN pip install --no-cache-dir . && useradd --create-home outreach && mkdir -p /var/lib/outreach && chown outreach /var/lib/outreach
USER outreach
EXPOSE 8000
