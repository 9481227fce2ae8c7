"""A KinderTrack sandbox: docs/KINDERTRACK.md's contract over real HTTP, with faults."""

from kindertrack.sandbox.seed import DEFAULT_SEED_PATH, Seed, SeedError, load_seed
from kindertrack.sandbox.server import Faults, RunningSandbox, serve, start_in_thread

__all__ = [
    "DEFAULT_SEED_PATH",
    "Faults",
    "RunningSandbox",
    "Seed",
    "SeedError",
    "load_seed",
    "serve",
    "start_in_thread",
]
