"""Reconciling day D across departments: the rule catalogue (DESIGN §6), the four village lists
and the household profiles (DESIGN §4 step 5)."""
