//! The conformance suite vendors run before going live (see ../ARCHITECTURE.md).
