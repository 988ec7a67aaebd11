"""One FastAPI router per resource: protocols, evaluation, comparison, schema, view."""
