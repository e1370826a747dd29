"""Stage 6, the answer checked: findings against the repository (`findings`), fixes placed
(`placement`) and written as patches (`patches`), applied (`apply`), votes and verification."""
