"""Page views, one module per area; each has a ``router`` the web door includes."""
