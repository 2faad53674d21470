"""The web front: archive, Atom feed, subscribe (double opt-in), preferences, one-click unsubscribe.

Imported only when config.yaml has `web:`: it brings Starlette, uvicorn, itsdangerous, feedgen
and limits (0.8 s and 20 MB on a loaded 2-core machine, benchmarks/web_stack.py), so `digest
serve` without it stays as lean as before. This package's __init__ imports nothing: tokens.py
(itsdangerous only) is what `digest run` uses to sign the links in each mail.

app.py is the Starlette app, server.py runs it on uvicorn, tokens.py signs links, archive.py
reads the digests in output.dir, mailer.py sends the confirmation mails.
"""
