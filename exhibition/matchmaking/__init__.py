"""B2B matchmaking: buyers and suppliers meet in slots at tables and booths."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "portal_views")
