"""Visitor registration, categories, consent, the walk-in desk, import, erasure."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "admin_views", "category_views", "desk_views", "import_views")
