"""Channel intake (受理渠道): SMS, app and mini-program adapters feeding the one intake service."""
