"""studykb: spaced-repetition flashcards for people who read research papers in the terminal."""

__version__ = "0.1.0"
