"""Property-based fuzzing of the live OpenAPI (schemathesis), and the regressions it found."""
