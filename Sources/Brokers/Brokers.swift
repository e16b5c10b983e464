// The Brokers stage. See docs/architecture.md.
