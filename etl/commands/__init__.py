"""Subcommands of the ``ipstats`` console script, one module per area."""
