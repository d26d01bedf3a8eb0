"""One package per routine; each owns its URLs, forms, queries and templates."""
