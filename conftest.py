"""Root conftest: fixtures live in tests/fixtures/, one module per real service.

Tests never touch the developer's own ~/.rollcall: ROLLCALL_HOME points at a fresh
temporary folder for the whole run (subprocesses inherit it).
"""

import os
import tempfile

os.environ["ROLLCALL_HOME"] = tempfile.mkdtemp(prefix="rollcall-test-home-")
for _variable in ("ROLLCALL_DATABASE_URL", "ROLLCALL_REDIS_URL", "SLACK_BOT_TOKEN"):
    os.environ.pop(_variable, None)

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.sandbox",
    "tests.fixtures.redis",
    "tests.fixtures.slack",
]
