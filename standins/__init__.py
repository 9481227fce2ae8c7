"""Stand-ins for Slack, shipped for ``rollcall demo`` and the tests; not part of the app.

- :mod:`standins.slack_web_api`: Slack's Web API as a local HTTP server that answers the
  methods Rollcall calls and records every call.
- :mod:`standins.slack_requests`: what Slack sends the app (slash commands, clicks, modal
  submissions, events), signed as Slack signs them.
- :mod:`standins.slack_driver`: people using the app in a channel, one signed request at a
  time, reading back what the app did from the Web API stand-in;
  :mod:`standins.slack_render` shows those messages and modals as text.

KinderTrack's stand-in stays in ``kindertrack/sandbox/``: it is a product of its own
(``rollcall sandbox``, the compose service ``kindertrack-sandbox``), whose path
docs/KINDERTRACK.md documents with the contract it serves.
"""
