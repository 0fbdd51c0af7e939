"""Emergency linkage (110/119/120/122 联动, docs/integrations.md): platforms, incident links, class maps."""
