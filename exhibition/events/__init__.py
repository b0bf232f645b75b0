"""Exhibitions: one edition's settings and its public pages."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "admin_views", "news_views", "news_admin_views")
