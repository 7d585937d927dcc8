"""``SupervisedActor``: a pykka ``ThreadingActor`` that a supervisor can watch.

Compared with a plain pykka actor it:

- tells its supervisor when it exits, whatever the cause: an exception in a
  tell (``failure``), an exception in ``on_start`` (``start_failed``, which
  pykka does not report through ``on_failure``), or an unexpected stop
  (``normal``);
- keeps a ``BaseException`` (``gevent.Timeout``, ``GreenletExit``,
  ``SystemExit``...) escaping one handler local to this actor: it fails and is
  restarted, where pykka's own loop would call ``ActorRegistry.stop_all()``
  and stop every actor in the process;
- answers ``Ping`` (``on_ping`` may add its own health check);
- can declare itself broken (``crash()``, ``@crash_on``) so that an error met
  while answering an ask, which pykka keeps local to the caller, still gets the
  actor restarted;
- can be killed by its supervisor when it hangs (``kill()``).

This overrides pykka's private ``_actor_loop`` (pykka is pinned to 4.x and a
test pins the behaviour).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import gevent
import pykka
from pykka import ActorDeadError, ActorRegistry, messages

from ukm_actors.errors import UkmError
from ukm_actors.supervision.spec import ExitReason

if TYPE_CHECKING:
    from ukm_actors.supervision.names import Names

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Ping:
    """Are you alive and well? Answered with ``on_ping()``'s result."""


@dataclass(frozen=True)
class ChildExited:
    """Sent by a supervised actor to its supervisor when it stops."""

    name: str
    urn: str
    reason: ExitReason
    error: str | None = None


@dataclass(frozen=True)
class _Crash:
    reason: str


class ActorBroken(Exception):
    """Raised inside an actor that declared itself broken."""


class EscapedBaseException(Exception):
    """A BaseException escaped a handler; the actor fails on its own."""


class _Kill(BaseException):
    """Thrown into a hung actor's greenlet by its supervisor."""


@dataclass
class StartContext:
    """What a supervisor tells the actor it is starting (through a context variable)."""

    parent: pykka.ActorRef[Any] | None
    name: str
    names: Names | None
    on_exit: Callable[[ChildExited], None] | None = None
    start_error: str | None = field(default=None)


_starting: contextvars.ContextVar[StartContext | None] = contextvars.ContextVar(
    "ukm_supervision_starting", default=None
)


def starting_context() -> StartContext | None:
    """The context of the supervisor currently starting an actor in this greenlet."""
    return _starting.get()


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SupervisedActor(pykka.ThreadingActor):
    """Base class for every actor that runs under a ``Supervisor``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_context: StartContext | None = _starting.get()
        self._greenlet: Any = None
        self._exit_reported = False
        self.started_at: float | None = None

    @property
    def supervised_name(self) -> str:
        """The name its supervisor knows it by (its class name when unsupervised)."""
        ctx = self._start_context
        return ctx.name if ctx is not None else type(self).__name__

    @property
    def names(self) -> Names | None:
        """The tree's name directory, to find siblings by name."""
        ctx = self._start_context
        return ctx.names if ctx is not None else None

    # -- hooks for subclasses -------------------------------------------------

    def on_ping(self) -> Any:
        """Answer a supervisor's ping. Raise to say "alive but unwell"."""
        return "pong"

    def crash(self, reason: str) -> None:
        """Declare this actor broken: it fails after the current message and is restarted."""
        log.warning("%s declared itself broken: %s", self.supervised_name, reason)
        try:
            self.actor_ref.tell(_Crash(reason))
        except ActorDeadError:
            pass

    # -- the loop (pykka's, with BaseException kept local) ---------------------

    def _actor_loop(self) -> None:
        self._greenlet = gevent.getcurrent()
        if not self._guarded_setup():
            self._actor_loop_teardown()
            return
        self.started_at = time.monotonic()
        reason, error = self._guarded_running()
        self._actor_loop_teardown()
        self._report_exit(reason, error)

    def _guarded_setup(self) -> bool:
        try:
            self.on_start()
            return True
        except BaseException as exc:
            # a deliberate error (an unplugged device, a database that is down) says what
            # and where in its message: its traceback would only repeat at every retry
            log.error(
                "%s failed to start: %s",
                self.supervised_name,
                _describe(exc),
                exc_info=not isinstance(exc, UkmError),
            )
            if self._start_context is not None:
                self._start_context.start_error = _describe(exc)
            ActorRegistry.unregister(self.actor_ref)
            self.actor_stopped.set()
            self._report_exit("start_failed", _describe(exc))
            return False

    def _guarded_running(self) -> tuple[ExitReason, str | None]:
        # The hot path: methods are bound once, message kinds are compared by exact type.
        get = self.actor_inbox.get
        handle = self._handle_receive
        stopped = self.actor_stopped.is_set
        while not stopped():
            try:
                envelope = get()
            except _Kill:
                self._fail(*sys.exc_info())
                return "killed", "killed by its supervisor"
            message = envelope.message
            reply_to = envelope.reply_to
            try:
                kind = type(message)
                if kind is Ping:
                    response = self.on_ping()
                elif kind is _Crash:
                    raise ActorBroken(message.reason)
                else:
                    response = handle(message)
                if reply_to is not None:
                    reply_to.set(response)
            except Exception as exc:  # noqa: BLE001 - pykka's semantics, kept
                if reply_to is not None and not isinstance(exc, ActorBroken):
                    log.debug("%s returned an error to its caller: %r", self, exc)
                    reply_to.set_exception()
                    continue
                if reply_to is not None:
                    reply_to.set_exception()
                self._fail(*sys.exc_info())
                return "failure", _describe(exc)
            except BaseException as exc:  # noqa: BLE001 - keep it local, never stop_all()
                killed = isinstance(exc, _Kill)
                if reply_to is not None:
                    wrapped = EscapedBaseException(f"{self.supervised_name}: {_describe(exc)}")
                    reply_to.set_exception(exc_info=(type(wrapped), wrapped, None))
                self._fail(*sys.exc_info())
                if killed:
                    return "killed", "killed by its supervisor (it did not answer in time)"
                return "failure", f"escaped {_describe(exc)}"
        return "normal", None

    def _fail(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._handle_failure(exc_type, exc, tb)
        try:
            self.on_failure(exc_type, exc, tb)
        except Exception:  # noqa: BLE001
            self._handle_failure(*sys.exc_info())

    def _report_exit(self, reason: ExitReason, error: str | None) -> None:
        if self._exit_reported:
            return
        self._exit_reported = True
        ctx = self._start_context
        if ctx is None:
            return
        note = ChildExited(ctx.name, self.actor_urn, reason, error)
        if ctx.on_exit is not None:
            ctx.on_exit(note)
        if ctx.parent is not None:
            try:
                ctx.parent.tell(note)
            except ActorDeadError:
                pass


def actor_of(ref: pykka.ActorRef[Any]) -> Any:
    """The actor object behind ``ref`` (None once it has been collected)."""
    weak = getattr(ref, "_actor_weakref", None)
    return weak() if weak is not None else None


def kill(ref: pykka.ActorRef[Any]) -> bool:
    """Throw a kill into the actor's greenlet. True if there was a greenlet to kill.

    Only a ``SupervisedActor`` can be killed safely: its loop turns the kill
    into a local failure. A greenlet stuck inside C code dies only when it
    returns to Python.
    """
    actor = actor_of(ref)
    greenlet = getattr(actor, "_greenlet", None)
    if not isinstance(actor, SupervisedActor) or greenlet is None or greenlet.dead:
        return False
    gevent.kill(greenlet, _Kill)
    return True


def is_exiting(ref: pykka.ActorRef[Any]) -> bool:
    """True while a stopped ``SupervisedActor`` is still on its way out.

    Its ``on_failure``/``on_stop`` and teardown run after pykka marks it dead
    (``is_alive()`` is False); it tells its supervisor why it exited at the end.
    """
    actor = actor_of(ref)
    greenlet = getattr(actor, "_greenlet", None)
    return isinstance(actor, SupervisedActor) and greenlet is not None and not greenlet.dead


def ping_message(ref: pykka.ActorRef[Any]) -> Any:
    """A message any pykka actor answers without side effects."""
    if issubclass(ref.actor_class, SupervisedActor):
        return Ping()
    return messages.ProxyGetAttr(attr_path=("actor_urn",))


def crash_on(*exc_types: type[BaseException]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a method of a ``SupervisedActor`` crash the actor on these errors.

    The error still reaches the caller (pykka's ask semantics), and the
    actor also fails and is restarted: use it for infrastructure errors
    (``OSError``, ``serial.SerialException``, a lost database) where the
    actor's state can no longer be trusted. Validation errors stay replies.
    """

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except exc_types as exc:
                actor = args[0]
                if isinstance(actor, SupervisedActor):
                    actor.crash(f"{method.__name__}: {_describe(exc)}")
                raise

        return wrapper

    return decorate
