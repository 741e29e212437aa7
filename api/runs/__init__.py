"""Runs: queued pipeline jobs (load -> dbt build -> summary), their API and their worker side."""
