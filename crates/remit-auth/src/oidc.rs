//! OpenID Connect single sign-on (in progress).
