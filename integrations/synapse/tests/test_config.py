"""parse_config: defaults, both URL forms, and a ConfigError naming the key for every bad value."""

import unittest

from synapse.module_api.errors import ConfigError

from presence_sandbox_synapse import PresenceSandboxRouter


class ParseConfig(unittest.TestCase):
    def test_defaults_and_url_forms(self):
        c = PresenceSandboxRouter.parse_config({"url": "http://127.0.0.1:8880"})
        self.assertEqual(c.timeout_s, 0.5)
        self.assertEqual((c.sidecars[0].host, c.sidecars[0].port, c.sidecars[0].base), ("127.0.0.1", 8880, ""))
        c = PresenceSandboxRouter.parse_config({"url": ["unix:/run/ps.sock", "unix:///run/ps2.sock", "http://[::1]:9/prefix/"], "timeout_s": 2})
        self.assertEqual([s.socket for s in c.sidecars], ["/run/ps.sock", "/run/ps2.sock", None])
        self.assertEqual((c.sidecars[2].host, c.sidecars[2].base), ("::1", "/prefix"))
        self.assertEqual(c.timeout_s, 2.0)
        self.assertTrue(c.events)
        self.assertEqual(c.presence_writer, "master")

    def test_every_bad_value_names_its_key(self):
        cases = [
            ({}, "url"),
            ({"url": 5}, "url"),
            ({"url": []}, "url"),
            ({"url": ["http://a:1", 5]}, "url[1]"),
            ({"url": ["http://a:1", "http://a:1"]}, "url"),
            ({"url": "https://a:1"}, "url"),
            ({"url": "http://a"}, "url"),
            ({"url": "http://a:99999"}, "url"),
            ({"url": "unix:relative.sock"}, "url"),
            ({"url": "http://a:1", "timeout_s": 0}, "timeout_s"),
            ({"url": "http://a:1", "timeout_s": "1"}, "timeout_s"),
            ({"url": "http://a:1", "timeout_s": float("nan")}, "timeout_s"),
            ({"url": "http://a:1", "timeout_s": True}, "timeout_s"),
            ({"url": "http://a:1", "backoff_s": -1}, "backoff_s"),
            ({"url": "http://a:1", "backoff_s": 10, "backoff_max_s": 5}, "backoff_max_s"),
            ({"url": "http://a:1", "presence_writer": ""}, "presence_writer"),
            ({"url": "http://a:1", "events": "yes"}, "events"),
            ({"url": "http://a:1", "max_answer_bytes": 10}, "max_answer_bytes"),
            ({"url": "http://a:1", "timeout": 1}, "timeout"),
        ]
        for config, key in cases:
            with self.assertRaises(ConfigError, msg=repr(config)) as caught:
                PresenceSandboxRouter.parse_config(config)
            self.assertIn(f"{key}:", caught.exception.msg)
            self.assertEqual(list(caught.exception.path), [key])

    def test_not_a_mapping(self):
        with self.assertRaises(ConfigError):
            PresenceSandboxRouter.parse_config(["url"])
