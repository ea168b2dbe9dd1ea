"""Respond (gérer la crise): crisis plans, playbooks, incidents, logbook, regulatory clocks, exercises."""
