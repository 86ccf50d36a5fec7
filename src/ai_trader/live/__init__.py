"""Live-paced runners: paper trading on the synthetic market (live venues come later)."""

from ai_trader.live.paper import PaperConfig, run_paper

__all__ = ["PaperConfig", "run_paper"]
