"""Công khai: the public, login-free pages of each published unit's satisfaction, and their open data."""
