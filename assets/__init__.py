"""Dagster asset definitions by stage: ingest, conform, reconcile, publish. Each asset is thin:
it opens the working database, calls a plain function of `pipelines`, and reports."""
