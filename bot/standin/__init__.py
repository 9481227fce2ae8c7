"""Slack without Slack: a local Web API stand-in and signed request builders."""

from bot.standin.requests import SignedRequest, SlackSender, sign
from bot.standin.server import Call, SlackStandin, running_standin

__all__ = ["Call", "SignedRequest", "SlackSender", "SlackStandin", "running_standin", "sign"]
