"""The demo province (河北省 and its 11 cities) and its synthetic data."""
