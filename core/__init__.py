"""Rollcall's domain: the rules of Iowa CCA attendance and their use cases.

Nothing here imports Slack, Dramatiq or HTTP code; entry points wire adapters in.
"""
