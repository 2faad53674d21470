# The default templates. Installed as the package `digest.templates` (see pyproject.toml), so
# `pip install .` carries them; a user's own folder (output.templates) overrides them by name.
