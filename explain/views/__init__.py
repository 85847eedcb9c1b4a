"""Teaching views: the integration path, all-layer conductance and attention maps."""
