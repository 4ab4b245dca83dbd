# SPDX-License-Identifier: MIT
"""Property-based fuzzing of the ctypes layer with Hypothesis: arbitrary
values and types never crash, never truncate, and fail only with the
documented exception classes. Nothing is applied to this process (the
builder calls only; restrict_self is never called here)."""
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="Hypothesis drives the ctypes fuzzing")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import netfence  # noqa: E402
from netfence import AccessNet, InvalidArgumentError, NetFenceError, Ruleset  # noqa: E402

anything = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True), st.text(max_size=8),
                     st.binary(max_size=8), st.integers(), st.lists(st.integers(), max_size=3))
integers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70),
                     st.sampled_from([0, 1, 65535, 65536, 70000, 2**32, 2**63, 2**64 - 1, 2**64, -1]))
ALLOWED = (NetFenceError, TypeError, ValueError, OverflowError)


@settings(max_examples=300, deadline=None)
@given(access=integers, port=integers)
def test_allow_port_never_truncates(access, port):
    with Ruleset() as rs:
        rs.handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP)
        try:
            rs.allow_port(access, port)
        except InvalidArgumentError:
            return
        except ALLOWED:
            return
        # Accepted only when both are really valid: nothing wrapped around.
        assert 0 <= port <= 65535
        assert access in (1, 2, 3)


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["set_compat", "handle_net", "handle_fs", "set_scope", "set_caps_options",
                               "allow_port", "allow_port_range", "allow_socket", "allow_path", "keep_caps"]),
       args=st.lists(anything, min_size=0, max_size=4))
def test_any_call_with_any_arguments(method, args):
    with Ruleset() as rs:
        try:
            getattr(rs, method)(*args)
        except ALLOWED as error:
            if isinstance(error, NetFenceError):
                assert error.errno is not None and error.errno > 0
                assert str(error)


@settings(max_examples=200, deadline=None)
@given(family=integers, kind=integers, proto=integers)
def test_allow_socket_ranges(family, kind, proto):
    with Ruleset() as rs:
        try:
            rs.allow_socket(family, kind, proto)
        except ALLOWED:
            return
        assert 1 <= family <= 45
        assert kind == -1 or 1 <= (kind & 0xF) <= 10
        assert proto == -1 or 0 <= proto <= 65535


@settings(max_examples=100, deadline=None)
@given(code=integers)
def test_strerror_any_code(code):
    try:
        text = netfence.strerror(code)
    except ALLOWED:
        return
    assert isinstance(text, str) and text
