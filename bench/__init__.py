"""`make bench` and its shared parts (bench/pages.py)."""
