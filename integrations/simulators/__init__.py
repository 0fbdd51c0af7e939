"""Small HTTP servers playing the systems outside (a utility company, a webhook receiver) for
tests and ``make run``; each can be told to fail, delay, duplicate or reorder."""
