"""Core types every layer uses: errors, declared settings, results and targets."""
