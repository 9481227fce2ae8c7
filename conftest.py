"""Root conftest: fixtures live in tests/fixtures/, one module per real service."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.sandbox",
    "tests.fixtures.redis",
    "tests.fixtures.slack",
]
