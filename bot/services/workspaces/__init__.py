"""Workspaces: their life (lifecycle), program settings, status for admins, and retention."""
