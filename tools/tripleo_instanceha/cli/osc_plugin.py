"""`openstack overcloud instance-ha ...`: the osc plugin hook.

The commands are the same cliff classes the standalone program uses; this
module only satisfies the plugin interface osc expects (no API client needed).
"""
from __future__ import annotations

API_NAME = "instanceha"
API_VERSION_OPTION = "os_instanceha_api_version"
API_VERSIONS = {"1": "tripleo_instanceha.cli.osc_plugin.Client"}
DEFAULT_API_VERSION = "1"


class Client:
    """No remote API: every command works on local files."""

    def __init__(self, *args, **kwargs) -> None:
        pass


def make_client(instance):
    return Client()


def build_option_parser(parser):
    parser.add_argument("--os-instanceha-api-version", metavar="<version>",
                        default=DEFAULT_API_VERSION,
                        help="Instance HA command set version (only 1 exists)")
    return parser
