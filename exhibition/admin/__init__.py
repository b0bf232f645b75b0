"""Sign-in, the staff home and an exhibition's overview, staff accounts."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "staff_views")
