"""The server process readies itself at start-up; an application built for tests does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Run in a child process: freezing the heap is process-wide, and this test process builds many applications.
PROBE = """
import gc, json, sys
from litestar.testing import TestClient
import instruments
from survey.app import create_app, create_server_app

seen = {}
for name, factory in (("create_app", create_app), ("create_server_app", create_server_app)):
    app = factory()
    with TestClient(app=app) as client:
        seen[name] = {"healthz": client.get("/healthz").status_code, "frozen": gc.get_freeze_count(),
                      "registry_loaded": instruments.registry.cache_info().currsize,
                      "templates": sorted(key[1] for key in app.template_engine.engine.cache.keys())}
print(json.dumps(seen))
"""


def test_only_the_server_app_warms_up_and_freezes_its_heap(tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'survey.sqlite'}", "SURVEY_DATA_DIR": str(tmp_path),
           "SURVEY_SECRET_KEY": "test-secret-key-" + "w" * 32, "SURVEY_LOG_FORMAT": "text"}
    root = Path(__file__).resolve().parents[2]
    # Migrated beforehand: a migration that back-fills index fingerprints reads the questionnaires itself.
    upgrade = subprocess.run([sys.executable, "-m", "survey.cli", "db", "upgrade"], env=env, capture_output=True,
                             text=True, timeout=120, cwd=root)
    assert upgrade.returncode == 0, upgrade.stderr
    run = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120,
                         cwd=root)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["create_app"]["frozen"] == 0
    assert seen["create_app"]["registry_loaded"] == 0
    assert seen["create_app"]["templates"] == []
    server = seen["create_server_app"]
    assert server["healthz"] == 200
    assert server["frozen"] > 10_000  # the modules and the application, not a handful of objects
    assert server["registry_loaded"] == 1
    assert server["templates"] == ["citizen/message.html", "citizen/survey.html"]
