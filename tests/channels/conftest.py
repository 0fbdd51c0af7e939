from tests.orders.conftest import *  # noqa: F403  (the orders API helpers and fixtures)
