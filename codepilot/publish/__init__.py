"""Publishing a review where people read it (GitHub pull requests)."""
