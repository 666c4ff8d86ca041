//! Remit as a service.
