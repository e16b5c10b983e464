// The Reports stage. See docs/architecture.md.
