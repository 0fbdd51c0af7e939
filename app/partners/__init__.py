"""Data partners (数据合作方, DESIGN §12-13): desensitized orders and aggregates of one city."""
