"""The engine: forward hooks, attention weights, the straight-path integration, the pooled layer."""
