"""Cyber360 Santé: cyber risk in euros, prevention plan, insurance and crisis response for GHTs."""

__version__ = "0.1.0"
