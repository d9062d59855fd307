"""The assistant skill: triage conversations for voice assistants (Wyoming, Home Assistant)."""
