"""CLI subcommands, one module per capability. Each module registers its commands with ``cli.command``."""
