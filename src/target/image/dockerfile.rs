//! A Dockerfile parser (placeholder until written).
