"""A seeded fault-injection harness for exactly-once submission (issue 8, item 8).

``make chaos TRIALS=N SEED=S [BACKEND=postgres]`` runs ``python -m tests.chaos``: each
trial starts real processes (its own redis-server with AOF, the sandbox, workers,
schedulers, ``rollcall submit`` commands) on a fresh database, injects faults at random
moments, quiesces, then checks the sandbox's own records against the database.
"""
