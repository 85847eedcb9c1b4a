"""Streamlit UI pieces. They render; the computing is done by ``explain``."""
