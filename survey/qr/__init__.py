"""Signed counter tokens, their key ids, and the printable QR posters that carry them."""
