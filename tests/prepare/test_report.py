"""prepare's report pairs the operator's own node names with host names and roles."""
import ast

from tripleo_instanceha.prepare import pipeline, report


def test_each_inventory_node_is_paired_with_its_host_and_role(write_inventory, tmp_path, tht18):
    request = pipeline.Request(templates=tht18, nodes_file=write_inventory(6, plain=1),
                               output_dir=str(tmp_path / "out"), heat_check=False,
                               rehearse=False)
    result = report.PrepareResult(pipeline.run(request))
    placed = result.to_dict()["nodes"]
    assert placed[0] == {"node": "controller-0", "index": 0, "host": "overcloud-controller-0",
                         "role": "Controller"}
    assert [(p["node"], p["role"]) for p in placed] == [
        ("controller-0", "Controller"), ("controller-1", "Controller"),
        ("controller-2", "Controller"), ("compute-iha-3", "ComputeInstanceHA"),
        ("compute-iha-4", "ComputeInstanceHA"), ("compute-5", "Compute")]
    lines = result.to_text().splitlines()
    start = lines.index("Nodes (inventory name -> host name, role):")
    assert lines[start + 1] == "  controller-0 -> overcloud-controller-0 (Controller)"
    assert lines[start + 6] == "  compute-5 -> overcloud-novacompute-0 (Compute)"


def test_the_report_imports_nothing_from_the_command_line_layer():
    tree = ast.parse(open(report.__file__).read())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [m for m in imported if m and m.startswith("tripleo_instanceha.cli")]
