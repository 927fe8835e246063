"""The Bot API methods, one module per area; the server merges their handler tables."""
