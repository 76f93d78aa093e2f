# Copyright (c) aclnet-mm contributors. All rights reserved.
import numpy as np
import pytest
from mmaction.models.utils import Graph

from aclnet_mm.models.utils import build_graph
from aclnet_mm.structures import get_layout, list_layouts, register_layout


def test_registered_layouts():
    assert {'nturgb+d', 'coco', 'openpose',
            'openpose_body25'} <= set(list_layouts())


@pytest.mark.parametrize('name', ['nturgb+d', 'coco', 'openpose'])
def test_restated_mmaction_layouts_give_identical_graphs(name):
    native = Graph(name, mode='spatial')
    restated = Graph(get_layout(name).to_graph_dict(), mode='spatial')
    np.testing.assert_array_equal(native.A, restated.A)


def test_body25_tree_by_hand():
    layout = get_layout('openpose_body25')
    assert layout.num_node == 25 and layout.center == 1
    parents = layout.parents
    # neck is the root; wrist -> elbow -> shoulder -> neck.
    assert parents[1] == 1
    assert [parents[4], parents[3], parents[2]] == [3, 2, 1]
    # big toe -> ankle -> knee
    assert parents[19] == 14 and parents[14] == 13
    # Two hops up from the right wrist is the right shoulder; from the
    # shoulder it stops at the root.
    assert layout.ancestors(2)[4] == 2
    assert layout.ancestors(2)[2] == 1
    assert layout.joint_names[layout.flip_pairs[0][0]] == 'right_shoulder'
    assert layout.joint_names[layout.flip_pairs[0][1]] == 'left_shoulder'


def test_build_graph_resolves_registered_names_for_every_mode():
    for mode in ('spatial', 'stgcn_spatial', 'binary_adj'):
        graph = build_graph('openpose_body25', mode=mode)
        assert isinstance(graph, Graph) and graph.A.shape[-1] == 25
    spatial = build_graph('openpose_body25', mode='spatial').A
    # identity, normalised inward and outward parts
    np.testing.assert_array_equal(spatial[0], np.eye(25))
    assert spatial[1].sum() == pytest.approx(24)


@pytest.mark.parametrize('name', ['nturgb+d', 'coco', 'openpose'])
def test_build_graph_passes_mmaction_names_through(name):
    np.testing.assert_array_equal(
        build_graph(name, mode='stgcn_spatial', max_hop=2).A,
        Graph(name, mode='stgcn_spatial', max_hop=2).A)


def test_mmaction_stgcn_takes_our_layout_as_a_dict():
    """The documented route for MMAction2's own backbones: our layout as
    the dict ``Graph`` accepts; MMAction2's ``Graph`` is not changed."""
    from mmaction.models import STGCN
    layout = get_layout('openpose_body25').to_graph_dict()
    model = STGCN(graph_cfg=dict(layout=layout, mode='stgcn_spatial'))
    np.testing.assert_array_equal(
        model.graph.A,
        build_graph('openpose_body25', mode='stgcn_spatial').A)
    with pytest.raises(AssertionError):  # our names are not patched in
        Graph('openpose_body25')


def test_invalid_layouts_are_refused():
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        get_layout('no_such_layout')
    with pytest.raises(ValueError, match='two parents'):
        register_layout('bad_two_parents', 3, [(1, 0), (1, 2)], center=0)
    with pytest.raises(ValueError, match='not linked'):
        register_layout('bad_unlinked', 3, [(1, 0)], center=0)
    with pytest.raises(ValueError, match='outside'):
        register_layout('bad_range', 2, [(1, 5)], center=0)
    with pytest.raises(KeyError, match='already registered'):
        register_layout('coco', 1, [], center=0)
    with pytest.raises(ValueError, match='needs a center'):
        get_layout(dict(num_node=3, inward=[]))
    with pytest.raises(ValueError, match='exactly one of'):
        get_layout(dict(num_node=2, center=0))
    with pytest.raises(ValueError, match='unknown keys'):
        get_layout(dict(parents=[-1, 0], centr=0))
    with pytest.raises(ValueError, match='exactly one root'):
        get_layout(dict(parents=[-1, -1]))
    with pytest.raises(ValueError, match='not in joint_names'):
        get_layout(dict(joint_names=['a', 'b'], parents=[None, 'c']))
    with pytest.raises(ValueError, match='do not form a tree'):
        get_layout(dict(edges=[(0, 1), (1, 2), (2, 0)], center=0))


def test_dict_layout_round_trip():
    layout = get_layout(
        dict(num_node=3, inward=[(1, 0), (2, 1)], center=0, name='chain'))
    np.testing.assert_array_equal(layout.parents, [0, 0, 1])
    np.testing.assert_array_equal(layout.ancestors(2), [0, 0, 0])
    np.testing.assert_array_equal(layout.ancestors(1), [0, 0, 1])


# A five-joint figure, by hand: pelvis (root) - chest - head, and two
# hands on the chest that swap under a flip.
_NAMES = ['pelvis', 'chest', 'head', 'l_hand', 'r_hand']
_PARENTS = [0, 0, 1, 1, 1]


@pytest.mark.parametrize('spec', [
    dict(
        joint_names=_NAMES,
        parents=[None, 'pelvis', 'chest', 'chest', 'chest'],
        flip_pairs=[('l_hand', 'r_hand')]),
    dict(parents=[-1, 0, 1, 1, 1], flip_pairs=[(3, 4)]),
    dict(
        edges=[(0, 1), (2, 1), (1, 3), (4, 1)], centre=0, flip_pairs=[(3, 4)]),
    dict(
        num_node=5,
        inward=[(1, 0), (2, 1), (3, 1), (4, 1)],
        center=0,
        flip_pairs=[[3, 4]]),
])
def test_dict_layout_forms_agree(spec):
    layout = get_layout(spec)
    assert layout.num_node == 5 and layout.center == 0
    np.testing.assert_array_equal(layout.parents, _PARENTS)
    assert layout.flip_pairs == ((3, 4), )


def test_layout_files(tmp_path):
    import json

    import yaml
    spec = dict(
        joint_names=_NAMES,
        parents=[None, 'pelvis', 'chest', 'chest', 'chest'],
        flip_pairs=[['l_hand', 'r_hand']])
    json_file = tmp_path / 'figure.json'
    json_file.write_text(json.dumps(spec))
    yaml_file = tmp_path / 'figure.yaml'
    yaml_file.write_text(yaml.safe_dump(spec))
    for path in (json_file, yaml_file):
        layout = get_layout(str(path))
        np.testing.assert_array_equal(layout.parents, _PARENTS)
        assert layout.joint_names == tuple(_NAMES)
        assert layout.flip_pairs == ((3, 4), )
    # Our graph builder gives MMAction2's Graph the file's layout.
    assert build_graph(str(json_file), mode='spatial').A.shape == (3, 5, 5)
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(parents=[-1, -1])))
    with pytest.raises(ValueError, match='bad.json.*exactly one root'):
        get_layout(str(bad))
    with pytest.raises(FileNotFoundError, match='no such layout file'):
        get_layout(str(tmp_path / 'missing.yaml'))
