"""Staging endpoints."""
