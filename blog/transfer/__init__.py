"""Moving a site in and out: WordPress import, the full export and its restore (``flask import``,
``flask export`` and their admin pages)."""
