"""What every layer shares: the money definition and rounding, currencies, domain errors and the
database-guard helpers the migrations use. Depends on Django only; imports no app of the project."""
