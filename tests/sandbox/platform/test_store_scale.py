"""The sandbox's store answers its per-request queries through indexes, so that a run over a fleet stays linear."""

from __future__ import annotations

from reconciler.sandbox.platform.store import Store


def _plan_of(store: Store, sql: str, *args: object) -> str:
    rows = store._conn.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    return " ".join(str(row[-1]) for row in rows)


def test_expiring_idempotency_keys_does_not_scan_every_key() -> None:
    store = Store()
    for index in range(50):
        store.put_idempotent("klarna", f"key-{index}", "print", 201, "{}", now=float(index))

    assert "USING INDEX idempotency_created_at" in _plan_of(store, "DELETE FROM idempotency WHERE created_at < ?", 1.0)
    store.expire_idempotent(older_than=25.0)
    assert store.get_idempotent("klarna", "key-24") is None
    assert store.get_idempotent("klarna", "key-25") == ("print", 201, "{}")
