"""Stage 4, what is sent: each change as a view packed into requests (`context`), the templates
(`templates`), token estimates (`tokens`), redaction (`redact`), and the plan as data
(`prepared`)."""
