"""Per-city reference data: appeal types, subject taxonomy, departments, districts."""
