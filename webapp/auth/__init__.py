"""Accounts, passwords, login and logout."""
