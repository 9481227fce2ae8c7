"""Subcommands of /kindertrack owned by this module (added with dispatcher.add_subcommand)."""
