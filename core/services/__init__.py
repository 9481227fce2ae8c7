"""Use cases: what a director or a worker asks for, over the store and the ports.

Entry points (CLI, Slack listeners, actors) parse their input, call one of these and
render the answer. Each use case is one unit of work.
"""
