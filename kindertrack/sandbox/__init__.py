"""A KinderTrack sandbox: the contract of DESIGN §4 over real HTTP, with fault injection."""

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
