"""The ``ukm`` subcommands, one module each."""
