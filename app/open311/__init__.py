"""Open311 GeoReport v2 per city (docs/open311.md)."""
