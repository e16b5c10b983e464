// The Risk stage. See docs/architecture.md.
