"""What ``rollcall worker`` and ``rollcall scheduler`` hand their processes: environment
variable names and defaults. Imports nothing, so the command line reads them without
loading Dramatiq, Redis or the database layer."""

from __future__ import annotations

#: The thread count each worker process was started with (set by ``rollcall worker``).
THREADS_ENV = "ROLLCALL_WORKER_THREADS"

#: Threads assumed when a process runs actors without saying how many threads it has.
DEFAULT_THREADS = 8

#: Environment variable read by worker processes for their log level (default INFO).
LOG_LEVEL_ENV = "ROLLCALL_LOG_LEVEL"

#: The Redis key prefix of every Dramatiq key (queues are ``dramatiq:<queue>``).
NAMESPACE = "dramatiq"

#: Default scheduler lock TTL: a dead leader is replaced after at most about this long
#: (+ TTL/3).
DEFAULT_LOCK_TTL_S = 30.0

#: Every queue an actor of ``workers.actors`` consumes (a test keeps it equal to theirs):
#: the metrics list them, empty or not, without importing the actors.
ACTOR_QUEUES = frozenset(
    {"default", "imports", "maintenance", "registrations", "reminders", "reports", "submissions"}
)
