"""Booth fees: payment requests with their transfer reference, VietQR codes, and the matching of
bank transactions to requests (issue 16; this first part holds the reference codes and the
VietQR payload, which need no table)."""

# The modules of pages, each with one blueprint `bp`, that create_app registers (none yet).
VIEWS = ("statement_views",)
