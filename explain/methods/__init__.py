"""Attribution methods: the base class, the registry, baselines, one module per family, batches."""
