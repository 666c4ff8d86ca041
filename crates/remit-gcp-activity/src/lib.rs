//! Google Cloud activity: Cloud Audit Logs into usage rollups (being written).
