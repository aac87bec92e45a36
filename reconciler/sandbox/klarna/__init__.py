"""The Klarna Management API as the sandbox serves it: models, accounts, onboarding, catalogue, routes, seed."""
