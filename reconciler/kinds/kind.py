"""The shape every resource kind has, and the two common shapes of a Klarna sub-resource.

A kind says how its objects are found on both sides (projections of the merchant document and of
the API's models), how they are matched (natural key) and printed (display key), which of its fields
the API cannot change, whether it can be deleted, and which requests carry out each write. The
comparison, the plan and the executor ask the registry (``kinds.registry.KINDS``), never test a
kind by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from reconciler.kinds.calls import CreateCall
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.state import Member, MerchantView, ResourceState
from reconciler.kinds.writes import (
    Change,
    Create,
    Delete,
    Patch,
    Replace,
    Send,
    Write,
    WriteContext,
    WriteRequest,
    body,
    klarna_write,
    patched_fields,
)
from reconciler.live.read import Bodies, LiveMerchant
from reconciler.sensitive import fingerprint, is_secret_value


@dataclass(frozen=True)
class Hold:
    """State a payment provider owns: who holds it, and why no write may change it."""

    provider: str  # "Klarna", "Dintero"
    reason: str  # what happened and what a person can do


def live_dump(model: BaseModel, include: Sequence[str] | None = None) -> dict[str, Any]:
    """A live object's fields in wire form, absent values left out (not yet normalised)."""
    fields = set(include) if include is not None else None
    # ``model_dump``'s own call, without its wrapper: a plan dumps about a dozen models per merchant.
    data: dict[str, Any] = model.__pydantic_serializer__.to_python(
        model, mode="json", by_alias=True, exclude_none=True, include=fields
    )
    return data


def pick(data: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


class Kind:
    """Everything the reconciler knows about one resource kind; one subclass per module."""

    name: ClassVar[ResourceKind]
    title: ClassVar[str]  # how messages name it: "account information"
    keyed: ClassVar[bool] = False  # members of a list matched by natural key; otherwise a singleton
    deletable: ClassVar[bool] = False  # live members the declared list leaves out are deleted
    immutable: ClassVar[frozenset[str]] = frozenset()  # top-level fields the API cannot change later
    set_once: ClassVar[bool] = False  # any later difference is blocked
    replaceable: ClassVar[bool] = False  # a changed natural key is one replace: create the new, delete the old
    lifecycle: ClassVar[bool] = False  # a declared ENABLED / DISABLED status, changed by enable / disable
    # Set for a kind that travels in the onboard body: its list's key there, and what each entry adds.
    onboard_key: ClassVar[str | None] = None
    onboard_defaults: ClassVar[Mapping[str, str]] = {}
    needs_operational_account: ClassVar[bool] = False  # managed through the account: waits for OPERATIONAL

    def identity(self, fields: Mapping[str, Any]) -> str:
        """The natural key that matches a desired member with a live one (keyed kinds)."""
        raise NotImplementedError(f"{self.name} is a singleton")

    def display(self, fields: Mapping[str, Any]) -> str:
        """The key printed in addresses: never a sensitive value."""
        return shown_key(self.identity(fields))

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        """The members a merchant document declares; None when it does not declare this kind."""
        raise NotImplementedError

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        """The members the APIs hold."""
        raise NotImplementedError

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        """Each desired member's live counterpart in the answers as the APIs sent them, in the members'
        order, for ``compare.unchanged`` to compare as sent; None when the answers alone cannot show the
        members in sync: a member missing or one too many, or a provider's state that the plan shows even
        when nothing differs (a notice, a hold). A kind that cannot tell answers None."""
        return None

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        """Where in the merchant document a desired member's fields are read from (for a member of a
        list: the list, which one file writes whole), so a change can name the file that wrote it."""
        raise NotImplementedError

    def provider_hold(self, want: ResourceState, have: ResourceState, changed: bool) -> Hold | None:
        """The provider holds this object's state (``changed``: the desired state differs from it), if it does.

        A held object is never written: the plan shows it blocked, with who holds it and what a person
        can do, whether or not the fields differ when the kind says so.
        """
        return None

    def references(self, want: ResourceState, view: MerchantView) -> tuple[str, ...]:
        """Addresses in ``view`` of the keyed objects ``want`` names and must follow (a webhook's signing key)."""
        return ()

    def adopts(self, want: ResourceState) -> bool:
        """Creating ``want`` takes over an existing object outside the API's view (an ``adopt``, not a create)."""
        return False

    def notice(self, want: ResourceState, have: ResourceState) -> str | None:
        """What a reviewer should know of a live object that needs no write (a signup awaiting signature)."""
        return None

    def blocked_reason(self, have: ResourceState) -> str | None:
        """Why a difference on an existing object cannot be written, if it cannot."""
        return f"{self.title} can only be set once" if self.set_once else None

    def patch_reason(self, have: ResourceState) -> str | None:
        """What a reviewer should know about a patch of ``have`` (None: nothing)."""
        return None

    def writes(self, change: Change, ctx: WriteContext) -> list[WriteRequest]:
        """The requests that carry out ``change``, in order."""
        raise NotImplementedError

    def writes_for(self, write: Write, ctx: WriteContext) -> list[WriteRequest]:
        """The requests of any write; a replace creates the new object before it deletes the old one,
        so a refused create leaves the old one in place."""
        if isinstance(write, Replace):
            return self.writes(Create(write.want), ctx) + self.writes(Delete(write.have), ctx)
        return self.writes(write, ctx)


class KlarnaSingleton(Kind):
    """A sub-resource an account has at most one of, read inline with the account.

    It always exists in some form, so creating and changing it is the same one request (``write``).
    """

    section: ClassVar[str]  # its key in the merchant document's ``klarna`` part
    attribute: ClassVar[str]  # its attribute on the client's ``KlarnaAccount``
    write_route: ClassVar[str]  # the route of ``write_call`` in ``KLARNA_ROUTES``
    write_call: ClassVar[CreateCall]  # the client's one write of it (PUT or PATCH)
    needs_operational_account = True

    def writes(self, change: Change, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want) | Patch(want=want):
                declared = patched_fields(want, change.have) if isinstance(change, Patch) else want.fields
                fields, acct = body(declared), ctx.account_id
                send: Send = lambda c, key: self.write_call(c.klarna, acct, fields, idempotency_key=key)  # noqa: E731
                return [klarna_write(self.write_route, send, fields, account_id=acct)]
            case Delete():
                raise ValueError(f"{self.title} is never deleted")

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        fields = document["klarna"].get(self.section)
        return None if fields is None else [Member(dict(fields))]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", self.section)

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        model = getattr(live.klarna, self.attribute, None) if live.klarna is not None else None
        return [] if model is None else [Member(live_dump(model))]

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        return [(bodies.klarna or {}).get(self.attribute)] * len(members)


class KlarnaMembers(Kind):
    """A list of sub-resources of an account, each matched by its natural key."""

    section: ClassVar[str]  # the list's key in the document's ``klarna`` part
    attribute: ClassVar[str]  # the list's attribute on ``KlarnaAccount``
    id_field: ClassVar[str]  # the API's id of a member, kept as ``remote_id``
    set_apart: ClassVar[tuple[str, ...]] = ()  # other keys of a live item kept as its extra, not its fields
    keyed = True
    needs_operational_account = True

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        items = document["klarna"].get(self.section)
        return None if items is None else [Member(dict(item)) for item in items]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", self.section)

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        if live.klarna is None:
            return []
        members = []
        for model in getattr(live.klarna, self.attribute) or []:
            data = live_dump(model)
            members.append(self.live_member(data, data.pop(self.id_field, None)))
        return members

    def live_member(self, data: dict[str, Any], remote_id: str | None) -> Member:
        if not self.set_apart:
            return Member(data, remote_id)
        return Member(data, remote_id, extra={key: data.pop(key, None) for key in self.set_apart})

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        items = (bodies.klarna or {}).get(self.attribute) or []
        if type(items) is not list or len(items) != len(members):
            return None  # one too many or too few (a delete, a create), or not a list
        identity = self.identity
        found = {}
        for item in items:
            if type(item) is not dict:
                return None
            found[identity(item)] = item
        if len(found) != len(items):
            return None  # a natural key twice: the views number them apart
        # Matched by natural key, as the views match them; a member with no counterpart is a create. An
        # item is compared as sent, id and all: ``live`` takes its id and ``set_apart`` out of its fields,
        # so a member declaring one of them (no merchant model has such a field) is left to the views.
        matched = []
        for member in members:
            fields = member.fields
            if self.id_field in fields or any(key in fields for key in self.set_apart):
                return None
            matched.append(found.pop(identity(fields), None))
        return None if found else matched


def shown_key(text: str, form: Callable[[str], str] = str) -> str:
    """An address key: ``form(text)`` (its slug, say), or a fingerprint when ``text`` is a value of the
    secrets store. Addresses go to plan files and PR comments as they are, and the output's masking looks
    for a value as written, not for its slug (lower case, '-' for spaces)."""
    return f"fp-{fingerprint(text.strip())}" if is_secret_value(text) else form(text)
