"""The model: checkpoints, the bundled build, devices, encoding and prediction."""
