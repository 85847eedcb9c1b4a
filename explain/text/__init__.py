"""Text: grouping tokens into the user's words."""
