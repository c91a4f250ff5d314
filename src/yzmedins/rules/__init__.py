"""The measures, one module per part; each function names and quotes its article."""
