from points.rewards import registry


def test_register_fulfiller_replaces_earlier_registration_of_the_same_kind():
    # given a kind registered once
    calls = []
    try:
        registry.register_fulfiller(
            "test_kind", fulfil=lambda **kw: calls.append(1), cancel=lambda **kw: None
        )
        # when it is registered again
        registry.register_fulfiller(
            "test_kind", fulfil=lambda **kw: calls.append(2), cancel=lambda **kw: None
        )
        # then the last one wins
        registry.fulfiller_for("test_kind").fulfil()
        assert calls == [2]
    finally:
        registry.unregister_fulfiller("test_kind")
    assert registry.fulfiller_for("test_kind") is None


def test_register_fulfiller_refuses_non_callables():
    import pytest

    with pytest.raises(TypeError):
        registry.register_fulfiller("test_kind", fulfil=None, cancel=lambda **kw: None)
