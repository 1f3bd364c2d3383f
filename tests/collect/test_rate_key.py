"""A page POST is counted against its client's address exactly as django_ratelimit's key="ip"
counts it (collect.views._client remembers the masking per address, it does not change it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django_ratelimit.core import _get_ip

from indagine.collect.views import _client

ADDRESSES = [
    "127.0.0.1",
    "203.0.113.5",
    "10.9.9.9",
    "::1",
    "2001:db8::1",
    "2001:db8:0:0:1:2:3:4",
    "2001:DB8:aaaa:bbbb:cccc::1",
    "::ffff:192.0.2.1",
]


def request_from(address: str):
    request = RequestFactory().post("/s/small/")
    request.META["REMOTE_ADDR"] = address
    return request


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize(("ipv4", "ipv6"), [(32, 64), (24, 48), (32, 128)])
def test_the_key_is_django_ratelimits_ip_key(address, ipv4, ipv6, settings):
    settings.RATELIMIT_IPV4_MASK, settings.RATELIMIT_IPV6_MASK = ipv4, ipv6
    request = request_from(address)
    assert _client("submit", request) == _get_ip(request)


def test_masked_addresses_share_a_count_and_others_do_not(settings):
    settings.RATELIMIT_IPV6_MASK = 64
    first = _client("submit", request_from("2001:db8::1"))
    assert _client("submit", request_from("2001:db8::ffff")) == first
    assert _client("submit", request_from("2001:db8:0:1::1")) != first
    assert _client("submit", request_from("203.0.113.5")) != _client(
        "submit", request_from("203.0.113.6")
    )


@pytest.mark.parametrize("address", ["", "not an address", "203.0.113.500", "fe80::1%eth0/3"])
def test_what_the_library_refuses_is_refused(address):
    request = request_from(address)
    with pytest.raises((ValueError, ImproperlyConfigured)) as ours:
        _client("submit", request)
    with pytest.raises((ValueError, ImproperlyConfigured)) as theirs:
        _get_ip(request)
    assert type(ours.value) is type(theirs.value)
