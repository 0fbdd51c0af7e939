"""The 110/119/120/122 exchange (docs/integrations.md): EIDO wire format, signed HTTP in and out."""
