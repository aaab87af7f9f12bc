"""Schedulers behind one seam: SM-2 today, FSRS beside it later (see protocol.py)."""
