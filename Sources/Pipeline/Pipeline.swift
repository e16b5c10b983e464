// The Pipeline stage. See docs/architecture.md.
