"""Provincial layer (省级): facts, KPIs, cross-city transfers, supervision."""
