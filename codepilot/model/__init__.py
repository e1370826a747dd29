"""Stage 5, the model: one abstraction (`models`), one call path (`calls`: cache, re-asks, usage,
cost), the answer shapes (`answers`), the answer cache (`cache`)."""
