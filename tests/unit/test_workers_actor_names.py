"""Jobs are named ``*_job`` in Python, but their Dramatiq names are the ones already queued."""

from __future__ import annotations

from workers.actors import build_report_job, register_provider_job
from workers.failures import ANSWERS


def test_renamed_jobs_keep_the_actor_names_messages_in_redis_carry() -> None:
    assert build_report_job.actor_name == "build_report"
    assert register_provider_job.actor_name == "register_provider"
    assert {"build_report", "register_provider"} <= ANSWERS.keys()
