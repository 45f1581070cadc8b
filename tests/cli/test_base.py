"""The shared command behaviour: formats, exit codes, errors as one message."""
import io
import json

import pytest

from tripleo_instanceha.cli import app as app_mod
from tripleo_instanceha.cli.base import InstanceHACommand, Result
from tripleo_instanceha.errors import InputError


class _Report(Result):
    def __init__(self, findings):
        self.findings = findings
        self.exit_code = 1 if findings else 0

    def to_dict(self):
        return {"findings": self.findings}

    def to_text(self):
        return "\n".join(self.findings) or "clean"


class _Cmd(InstanceHACommand):
    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("mode")
        return parser

    def run_command(self, args):
        if args.mode == "bad-input":
            raise InputError.single("nodes.json", "pm_addr is not an address",
                                    field="node-1.pm_addr", fix="use an IP or host name")
        if args.mode == "bug":
            raise KeyError("oops")
        return _Report(["one finding"] if args.mode == "findings" else [])


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    application = app_mod.InstanceHAApp()
    application.stdout, application.stderr = out, err
    application.command_manager.add_command("probe", _Cmd)
    code = application.run(["probe"] + argv)
    return code, out.getvalue(), err.getvalue()


def test_clean_and_findings_exit_codes():
    assert run(["clean"])[0] == 0
    code, out, _ = run(["findings"])
    assert code == 1 and "one finding" in out


def test_json_format():
    code, out, _ = run(["findings", "--format", "json"])
    assert code == 1 and json.loads(out) == {"findings": ["one finding"]}


def test_input_error_is_one_message_and_exit_2():
    code, out, err = run(["bad-input"])
    assert code == 2
    assert err.strip() == ("error: nodes.json: node-1.pm_addr: pm_addr is not an address "
                           "(fix: use an IP or host name)")
    assert "Traceback" not in err + out


def test_unexpected_failure_is_exit_2_without_traceback():
    code, out, err = run(["bug"])
    assert code == 2 and "KeyError" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--format", "xml", "clean"], [], ["clean", "extra"]])
def test_usage_error_is_exit_2(argv):
    try:
        code = run(argv)[0]
    except SystemExit as exc:
        code = exc.code
    assert code == 2


def test_unknown_command_is_exit_2():
    assert app_mod.main(["no-such-command"]) == 2
