"""The synthetic sample county: a world of households on real village codes, rendered into each
department's extracts with their dirt, and the answer key of the cases injected into it."""
