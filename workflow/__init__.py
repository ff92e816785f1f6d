"""Pure-Python domain rules for the beneficiary-relations workflow."""
