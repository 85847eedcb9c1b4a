"""Input and output: exports, the command line and the bundled build's command."""
