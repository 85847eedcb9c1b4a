"""Evaluation of explanations: agreement, faithfulness and the sanity check."""
