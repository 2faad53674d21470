"""The web front: archive, Atom feed, subscribe (double opt-in), preferences, one-click unsubscribe.

Imported only when config.yaml has `web:` (it brings Starlette, uvicorn, itsdangerous, feedgen
and limits, about 0.3 s and 25 MB), so `digest serve` without it stays as lean as before.
app.py is the Starlette app, server.py runs it on uvicorn, tokens.py signs links, archive.py
reads the digests in output.dir, mailer.py sends the confirmation mails.
"""
