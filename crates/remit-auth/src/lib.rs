//! Who may use Remit, and what they may do.
