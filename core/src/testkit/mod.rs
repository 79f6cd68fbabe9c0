//! The conformance suite every backend must pass (helper C fills this in).
