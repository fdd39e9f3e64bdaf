"""Reading department extracts: recognising the kind, normalising values, staging or quarantining
every row. Plain functions with no Dagster in them."""
