"""Block Kit, built in one place with slack_sdk's models and kept within Slack's limits.

Every name shown in mrkdwn goes through ``bot.escape.escape_mrkdwn``; plain_text fields
(headers, buttons, options) are never formatted by Slack.
"""
