"""JSON API v1 of the check-in devices: schemas from which the OpenAPI document is built."""

# The modules of pages, each with one blueprint `bp`, that create_app registers.
VIEWS = ("views", "matching")
