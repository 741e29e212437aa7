"""Bad input at scale: seeded malformed inputs (tests/fuzz_inputs.py) at the upload and staging
endpoints. Every one is a 4xx with the API's error body and a message, the server stays healthy,
and the raw tables are unchanged (row counts and checksums).

`make test` sends FUZZ_CASES (a few hundred, every kind); benchmarks/bench_fuzz.py sends >= 2,000.
"""

from __future__ import annotations

import logging
import os
import time

import httpx
import pytest
from api_checks import fingerprint
from fuzz_inputs import run_fuzz, zip_bomb
from runs_harness import (
    api_server,
    create_key,
    tiny_settings,
)

from loaders.core import LoadError
from loaders.sheets import check_container

pytestmark = pytest.mark.slow
logging.getLogger("httpx").setLevel(logging.WARNING)
FUZZ_CASES = int(os.environ.get("BENCHSIGHT_FUZZ_CASES", "200"))
FUZZ_SEED = int(os.environ.get("BENCHSIGHT_FUZZ_SEED", "20261202"))


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    settings = tiny_settings(db_url, tmp_path_factory.mktemp("fuzz"))
    with api_server(settings) as base_url:
        yield {"url": base_url, "db": db_url, "admin": create_key(db_url, "admin")}


def test_malformed_inputs_are_4xx_with_a_message_and_change_nothing(setup):
    before = fingerprint(setup["db"])
    problems, kinds, _ = run_fuzz(setup["url"], setup["admin"], FUZZ_SEED, FUZZ_CASES)
    assert not problems, f"{len(problems)} of {FUZZ_CASES}:\n" + "\n".join(problems[:40])
    assert len(kinds) == 8, kinds
    assert fingerprint(setup["db"]) == before


def test_a_zip_bomb_is_refused_from_its_directory_before_expansion(setup):
    bomb = zip_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(LoadError, match="zip bomb"):
        check_container(bomb, "18969_tracking.xlsx")
    headers = {"Authorization": f"Bearer {setup['admin']}"}
    started = time.perf_counter()
    response = httpx.post(
        f"{setup['url']}/api/games/18969/tracking",
        headers=headers,
        files={"file": ("18969_tracking.xlsx", bomb, "application/octet-stream")},
        timeout=60,
    )
    assert time.perf_counter() - started < 10
    assert 400 <= response.status_code < 500, response.text
    assert "zip bomb" in response.json()["detail"], response.text
