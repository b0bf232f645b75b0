"""Halls, booths, the floor plan and the allocation solver."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "admin_views")
