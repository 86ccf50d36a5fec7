"""Layer 5: adapters that implement the ports (simulated venue, data files, ...)."""
