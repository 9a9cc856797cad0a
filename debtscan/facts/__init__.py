"""Extraction: one libcst pass per file turns source into plain, serialisable facts."""
