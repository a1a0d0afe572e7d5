"""Generic aiodataloader batch loaders over SQLAlchemy, built per request."""
