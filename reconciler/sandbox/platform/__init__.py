"""What both simulated APIs share: settings, store, state, envelopes, auth, faults, rate limits, logs, middleware."""
