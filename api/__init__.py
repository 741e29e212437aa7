"""The BenchSight job API: a Litestar app (`api.app.create_app`) and its Procrastinate worker."""
