"""Tiering's refs in the key table: the C twin keeps them inside the entry (no object), the
Python twin as objects; both give back equal refs of the registered type everywhere a
value comes out (lookup, peek, set's old value, pop, entries)."""

import pytest

from engine.tiering import TieredRef, _make_ref


def _twin(impl):
    if impl == "c":
        return pytest.importorskip("native.keytable_c")
    import native.keytable_py as mod
    return mod


def test_refs_round_trip(impl):
    mod = _twin(impl)
    mod.register_ref_type(TieredRef)
    t = mod.KeyTable()
    refs = [_make_ref(seg, off, ln, code) for seg, off, ln, code in
            ((0, 0, 10, 0), (16383, (1 << 26) - 1, 65535, 12), (5, 1234, 70000, 3))]
    for i, ref in enumerate(refs):
        assert t.set(b"k%d" % i, ref, 7) is None
    for i, ref in enumerate(refs):
        got = t.lookup(b"k%d" % i, 0, -1)
        assert type(got) is TieredRef and got == ref
        assert t.peek(b"k%d" % i) == ref
    found = {k: v for k, v, _e, _a in t.entries()}
    assert found == {b"k%d" % i: r for i, r in enumerate(refs)}
    assert all(type(v) is TieredRef for v in found.values())
    old = t.set(b"k0", b"now a string", 8)
    assert type(old) is TieredRef and old == refs[0]
    assert t.set(b"k0", refs[1], 9) == b"now a string"
    popped = t.pop(b"k2")
    assert type(popped) is TieredRef and popped == refs[2]
    assert t.set(b"k1", [1, 2], 9) == refs[1]       # an object value replaces a ref
    assert t.lookup(b"k1", 0, -1) == [1, 2]
    assert refs[2].length == 0 and refs[1].length == 65535   # long records: header read
    t.clear()
    assert len(t) == 0
