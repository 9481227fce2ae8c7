"""The ``rollcall`` command line: thin commands over core's use cases."""
