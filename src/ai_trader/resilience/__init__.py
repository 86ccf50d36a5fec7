"""Resilience around venues (SPEC EXE-3, EXE-4): circuit breakers and the rate gate."""
