"""The candidate's progress: every answer and session, kept durably on disk."""
