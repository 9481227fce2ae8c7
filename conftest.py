"""Root conftest: fixtures live in tests/fixtures/, one module per real service.

Tests never touch the developer's own ~/.rollcall: ROLLCALL_HOME points at a fresh
temporary folder for the whole run (subprocesses inherit it).
"""

import os
import tempfile

from hypothesis import settings

from tests.unit.strategies import FAST_PROFILE, FAST_PROFILE_EXAMPLES

os.environ["ROLLCALL_HOME"] = tempfile.mkdtemp(prefix="rollcall-test-home-")
for _variable in ("ROLLCALL_DATABASE_URL", "ROLLCALL_REDIS_URL", "SLACK_BOT_TOKEN"):
    os.environ.pop(_variable, None)

# `make test-fast` sets HYPOTHESIS_PROFILE=fast: fewer examples per property (see
# tests/unit/strategies.py); the full suite runs Hypothesis's defaults.
settings.register_profile(FAST_PROFILE, max_examples=FAST_PROFILE_EXAMPLES, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.sandbox",
    "tests.fixtures.redis",
    "tests.fixtures.slack",
]
