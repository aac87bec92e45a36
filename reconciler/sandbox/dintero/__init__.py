"""The Dintero management API as the sandbox serves it: models, accounts and connections, routes, seed."""
