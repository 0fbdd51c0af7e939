"""Province-level tenant administration over HTTP (the registry lives in ``tenants``)."""
