"""``rollcall demo``: the director's whole journey on embedded defaults, no Slack needed.

``demo_environment`` starts a KinderTrack sandbox in this process and points the CLI at a
fresh temporary home and SQLite database; ``DemoCli`` runs ``rollcall …`` commands in
process, printing each as a director would type it with its output, and checking what it
did; ``director_journey`` is the journey itself. ``run_demo`` puts the three together.
Each piece can be called on its own (a Slack demo can reuse the environment and the CLI).
"""

from cli.demo.environment import DemoEnvironment, demo_environment
from cli.demo.journey import JourneyResult, director_journey, run_demo
from cli.demo.runner import DemoCli, DemoFailed, Outcome

__all__ = [
    "DemoCli",
    "DemoEnvironment",
    "DemoFailed",
    "JourneyResult",
    "Outcome",
    "demo_environment",
    "director_journey",
    "run_demo",
]
