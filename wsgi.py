"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``.

A start-up problem (missing production secret, malformed URL) ends the process with one line
naming what to set (app/startup.py), not a traceback.
"""

from app.startup import create_app_or_exit

app = create_app_or_exit()
