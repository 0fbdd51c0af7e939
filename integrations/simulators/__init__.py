"""Small HTTP servers playing the systems outside (a 110/119/120/122 platform, a utility company,
a webhook receiver) for tests and ``make run``; each can be told to fail, delay, duplicate or reorder."""
