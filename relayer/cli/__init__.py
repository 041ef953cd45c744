"""The `crossflow` command, one module per command group: each parses its
arguments, calls into the layers below and prints. Nothing imports the CLI."""
