"""The Textual application. Screens call the store and the core; they never schedule."""
