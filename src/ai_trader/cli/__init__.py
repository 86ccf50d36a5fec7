"""The ``ai-trader`` command line (Typer)."""
