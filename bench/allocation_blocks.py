"""Booth allocation with multi-booth requests at fair scale (issue 19's target): 1,000 exhibitors,
1,200 booths, 20 % asking for 2-4 adjacent booths; optimal or proven within 0.5 % in under 5 s.

The same script as bench/allocation.py with --exhibitors 1000 --booths 1200 --blocks 0.2 (later
arguments override these). Run: .venv/bin/python bench/allocation_blocks.py [--milp]
"""

import sys

from allocation import main as allocation_main


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns its figures for bench/run_all.py."""
    defaults = ["--exhibitors", "1000", "--booths", "1200", "--blocks", "0.2"]
    return allocation_main(defaults + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
