"""Dataset reports: what a results directory's explanations say (DuckDB, scikit-learn)."""
