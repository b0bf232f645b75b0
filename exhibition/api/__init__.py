"""JSON API v1: the check-in devices', the booth scanners' and the business-matching
participants', with the schemas from which the OpenAPI document is built."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "matching_views", "lead_views", "news_views")
