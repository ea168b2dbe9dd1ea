"""Assess: frameworks, maturity assessments and the technical exposure of establishments."""
