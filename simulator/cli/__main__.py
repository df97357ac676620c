"""`python -m simulator.cli`: the same as `empathy-sim`."""

from simulator.cli import main

if __name__ == "__main__":
    main()
