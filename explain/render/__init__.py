"""Rendering: every Plotly figure and HTML builder. Nothing below this layer draws."""
