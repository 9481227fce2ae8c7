"""``rollcall demo``: the director's whole journey on embedded defaults, no Slack needed.

``demo_environment`` starts a KinderTrack sandbox in this process and points the CLI at a
fresh temporary home and SQLite database; ``DemoCli`` runs ``rollcall …`` commands in
process, printing each as a director would type it with its output, and checking what it
did; ``director_journey`` is the journey itself. ``run_demo`` puts the three together.
Each piece can be called on its own.

``run_slack_demo`` (the default ``rollcall demo``) runs the journey through the Slack app
instead: ``slack_stack`` starts the app, a Slack stand-in, the embedded Redis and a worker
on top of the same environment; ``SlackDemo`` (``standins/slack_driver.py``) sends signed
slash commands, clicks and modal submissions and prints what the app answers;
``slack_journey`` is the journey.
"""

from cli.demo.environment import DemoEnvironment, demo_environment
from cli.demo.journey import JourneyResult, director_journey, run_demo
from cli.demo.runner import DemoCli, DemoFailed, Outcome
from cli.demo.slack_journey import SlackJourneyResult, run_slack_demo, slack_journey

__all__ = [
    "DemoCli",
    "DemoEnvironment",
    "DemoFailed",
    "JourneyResult",
    "Outcome",
    "SlackJourneyResult",
    "demo_environment",
    "director_journey",
    "run_demo",
    "run_slack_demo",
    "slack_journey",
]
