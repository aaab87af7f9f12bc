"""`python -m studykb`: the same as the `studykb` command."""

from studykb.entry import main

main()
